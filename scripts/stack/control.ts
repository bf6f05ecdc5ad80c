/**
 * One part of the running stack at a time: what the fault matrix, the labs and a workshop room
 * need to break and mend it (`pnpm stack stop postgres`, `pnpm stack kill payment-1`, …).
 * Every operation is the real thing: pg_ctl stops the real server, a SIGKILL is a SIGKILL.
 */

import { kafka } from '@akaso/stack-client';
import { startChargeCounter, stopChargeCounter } from './charge-counter.ts';
import { startJaeger, startMailpit, startStripeMock } from './go-tools.ts';
import { jaegerBuildState, stopJaegerBuild, waitForJaegerBuild } from './jaeger-build.ts';
import { killKafkaNode, startKafkaNode, waitForExit } from './kafka.ts';
import { restartPostgres, startPostgres, stopPostgres } from './postgres.ts';
import { type Reporter, runningPid, signal, silentReporter, stopProcess } from './proc.ts';
import { instanceName, type ServiceName, serviceNames, startServiceInstance } from './services.ts';

export type Part =
  | { kind: 'postgres' }
  | { kind: 'mailpit' }
  | { kind: 'stripe-mock' }
  | { kind: 'charge-counter' }
  | { kind: 'jaeger' }
  | { kind: 'kafka'; id: number }
  | { kind: 'service'; service: ServiceName; i: number };

export const partNames = () => [
  'postgres',
  'mailpit',
  'stripe-mock',
  'charge-counter',
  'jaeger',
  ...kafka.nodes.map((n) => `kafka-${n.id}`),
  ...serviceNames.map((s) => `${s}-<n>`),
];

/** Parses a part's name as `pnpm stack status` prints it; throws, listing the names, on anything else. */
export function parsePart(name: string): Part {
  if (name === 'postgres' || name === 'postgresql') return { kind: 'postgres' };
  if (name === 'mailpit' || name === 'smtp') return { kind: 'mailpit' };
  if (name === 'stripe-mock') return { kind: 'stripe-mock' };
  if (name === 'charge-counter') return { kind: 'charge-counter' };
  if (name === 'jaeger') return { kind: 'jaeger' };
  const broker = /^kafka-(\d+)$/.exec(name);
  if (broker && kafka.nodes.some((n) => n.id === Number(broker[1])))
    return { kind: 'kafka', id: Number(broker[1]) };
  const instance = /^(.+)-(\d+)$/.exec(name);
  const service = serviceNames.find((s) => s === instance?.[1]);
  const i = Number(instance?.[2]);
  if (service && i >= 1 && i <= 16) return { kind: 'service', service, i };
  throw new Error(`unknown part "${name}"; parts: ${partNames().join(', ')} (n: 1-16)`);
}

const asPart = (which: Part | string): Part => (typeof which === 'string' ? parsePart(which) : which);

export const partName = (p: Part): string =>
  p.kind === 'kafka' ? `kafka-${p.id}` : p.kind === 'service' ? instanceName(p.service, p.i) : p.kind;

/** Stops a part cleanly (SIGTERM, or `pg_ctl stop -m fast` for PostgreSQL). */
export async function stopPart(which: Part | string): Promise<void> {
  const part = asPart(which);
  switch (part.kind) {
    case 'postgres':
      return stopPostgres();
    case 'jaeger':
      await stopJaegerBuild();
      await stopProcess(part.kind, 10_000);
      return;
    case 'mailpit':
    case 'stripe-mock':
      await stopProcess(part.kind, 10_000);
      return;
    case 'charge-counter':
      return stopChargeCounter();
    case 'kafka':
      await stopProcess(`kafka-${part.id}`, 60_000);
      return;
    case 'service':
      await stopProcess(instanceName(part.service, part.i), 30_000);
      return;
  }
}

/** Starts a part again and waits until it serves (a no-op when it already runs). */
export async function startPart(
  which: Part | string,
  reporter: Reporter = silentReporter,
  serviceEnv: Record<string, string> = {},
): Promise<void> {
  const part = asPart(which);
  switch (part.kind) {
    case 'postgres':
      return startPostgres(reporter);
    case 'mailpit':
      return startMailpit(reporter);
    case 'stripe-mock':
      return startStripeMock(reporter);
    case 'jaeger':
      // A first build may be under way in the background: wait for it rather than build twice.
      if (jaegerBuildState()?.running) {
        await waitForJaegerBuild(reporter);
        return;
      }
      return startJaeger(reporter);
    case 'charge-counter':
      return startChargeCounter(reporter);
    case 'kafka': {
      const node = kafka.nodes.find((n) => n.id === part.id);
      if (!node) throw new Error(`no Kafka node ${part.id}`);
      return startKafkaNode(node, reporter);
    }
    case 'service':
      return startServiceInstance(part.service, part.i, reporter, serviceEnv);
  }
}

/** SIGKILL, as a crash would: no shutdown hook runs, nothing is flushed or committed. Returns the pid. */
export async function killPart(which: Part | string): Promise<number> {
  const part = asPart(which);
  if (part.kind === 'kafka') {
    const pid = killKafkaNode(part.id);
    await waitForExit(pid);
    return pid;
  }
  if (part.kind !== 'service') {
    throw new Error(`kill is for services and brokers; stop ${partName(part)} instead`);
  }
  const name = instanceName(part.service, part.i);
  const pid = runningPid(name);
  if (pid === null) throw new Error(`${name} is not running`);
  signal(pid, 'SIGKILL');
  await waitForExit(pid);
  return pid;
}

/** Restarts a part: PostgreSQL the way `pg_ctl restart -m fast` does, anything else stop + start. */
export async function restartPart(which: Part | string, reporter: Reporter = silentReporter): Promise<void> {
  const part = asPart(which);
  if (part.kind === 'postgres') return restartPostgres(reporter);
  await stopPart(part);
  await startPart(part, reporter);
}
