/**
 * What the status table says about a service instance that listens: its GET /readyz answers 200
 * when every check passes, 503 with `checks` naming what fails (packages/service/src/health.ts).
 * A listening port alone is not "up": a consumer that stopped consuming still listens.
 */
export type InstanceState = { status: 'up' } | { status: 'not ready'; detail: string };

/** From the status code and the JSON body (null if it was not JSON) of /readyz. */
export function instanceState(code: number, body: unknown): InstanceState {
  if (code === 200) return { status: 'up' };
  const checks = (body as { checks?: unknown } | null)?.checks;
  const failing =
    typeof checks === 'object' && checks !== null
      ? Object.entries(checks)
          .filter(([, result]) => result !== 'ok')
          .map(([name, result]) => `${name}: ${String(result).replace(/\s+/g, ' ')}`)
      : [];
  return {
    status: 'not ready',
    detail: failing.length > 0 ? failing.join('; ') : `/readyz answered ${code}`,
  };
}

/** Asks an instance that listens; no answer in time (a wedged process) is "not ready" too. */
export async function readInstanceState(baseUrl: string): Promise<InstanceState> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(3_000) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the status code alone decides.
    }
    return instanceState(res.status, body);
  } catch (err) {
    return { status: 'not ready', detail: `/readyz: ${err instanceof Error ? err.message : String(err)}` };
  }
}
