import { errorText } from './error-text.ts';

/**
 * A service instance's readiness as its GET /readyz states it: 200 when every check passes, 503
 * with `checks` naming what fails (`"consumer": "not consuming for 12s: ECONNREFUSED …"`).
 * `ready: null` when the answer could not be read at all: unknown, not "ready".
 */
export interface Readiness {
  ready: boolean | null;
  /** The checks that fail, by name, with the reason the service gives. */
  failing: Record<string, string>;
  error?: string;
}

export interface ReadyzAnswer {
  status: number;
  body: unknown;
}

/** Reads the answer of /readyz (HTTP status and parsed JSON body, or null if it was not JSON). */
export function parseReadiness({ status, body }: ReadyzAnswer): Readiness {
  const checks =
    typeof body === 'object' && body !== null && 'checks' in body && typeof body.checks === 'object'
      ? (body.checks as Record<string, unknown> | null)
      : null;
  const failing: Record<string, string> = {};
  for (const [name, result] of Object.entries(checks ?? {})) {
    if (result !== 'ok') failing[name] = typeof result === 'string' ? result : JSON.stringify(result);
  }
  if (status === 200) return { ready: true, failing };
  // A 503 without the checks (or another status) still means "not ready": say what was answered.
  if (Object.keys(failing).length === 0) failing.readyz = `HTTP ${status}`;
  return { ready: false, failing };
}

/** One line for people: "ready", or "not ready: consumer: not consuming for 12s: …; kafka: …". */
export function describeReadiness(r: Readiness): string {
  if (r.ready === null) return `readiness unknown${r.error ? `: ${r.error}` : ''}`;
  if (r.ready) return 'ready';
  const reasons = Object.entries(r.failing).map(([name, detail]) => `${name}: ${detail}`);
  return `not ready: ${reasons.join('; ')}`;
}

export async function defaultFetchReadiness(url: string): Promise<ReadyzAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): the status alone decides.
  }
  return { status: res.status, body };
}

/** Asks an instance for its readiness; an instance that does not answer is "unknown", not failed. */
export async function readReadiness(
  baseUrl: string,
  fetchReadiness: (url: string) => Promise<ReadyzAnswer>,
): Promise<Readiness> {
  try {
    return parseReadiness(await fetchReadiness(`${baseUrl.replace(/\/$/, '')}/readyz`));
  } catch (err) {
    return { ready: null, failing: {}, error: errorText(err) };
  }
}
