/**
 * Watches a stack come up from the outside, for scripts/stack/measure-first-start.sh: prints
 * `pipeline <s>` once every service's first instance answers /readyz with 200, and `jaeger <s>`
 * once Jaeger's health check answers and its OTLP port takes connections; seconds since
 * MEASURE_SINCE_MS (epoch ms, default: now). Exits when both were seen, or with 1 after
 * MEASURE_TIMEOUT_S (default 900).
 *
 *   MEASURE_SINCE_MS=$(date +%s%3N) node --conditions=development scripts/stack/measure-ready.ts
 */
import { host, jaeger, serviceBasePorts } from '@akaso/stack-client';
import { portOpen } from './proc.ts';

const since = Number(process.env.MEASURE_SINCE_MS ?? Date.now());
const timeoutS = Number(process.env.MEASURE_TIMEOUT_S ?? 900);
const seconds = () => ((Date.now() - since) / 1000).toFixed(1);

async function ok(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function pipelineReady(): Promise<boolean> {
  const checks = Object.values(serviceBasePorts).map((port) => ok(`http://${host}:${port}/readyz`));
  return (await Promise.all(checks)).every(Boolean);
}

async function jaegerReady(): Promise<boolean> {
  return (await ok(`http://${host}:${jaeger.healthPort}/status`)) && (await portOpen(jaeger.otlpHttpPort));
}

const seen = { pipeline: false, jaeger: false };
while (!(seen.pipeline && seen.jaeger)) {
  if ((Date.now() - since) / 1000 > timeoutS) {
    console.log(`timeout ${seconds()}`);
    process.exit(1);
  }
  for (const [what, check] of [
    ['pipeline', pipelineReady],
    ['jaeger', jaegerReady],
  ] as const) {
    if (!seen[what] && (await check())) {
      seen[what] = true;
      console.log(`${what} ${seconds()}`);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
