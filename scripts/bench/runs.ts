/**
 * The bench's runs against the stack: a measured rush (one case), the unmeasured warm-up before
 * it, and the API alone.
 */

import { auditRun, christmasStages, type RushProgress, runRush } from '@akaso/load';
import { apiUrl, auditTarget } from '@akaso/stack-client';
import { type Counters, costPerOrder, diff, perOrder } from './cost.ts';
import { stackCpuSeconds } from './cpu.ts';
import { measureLoneOrders } from './lone-order.ts';
import { kafkaRequests, pgTransactions, sampleMaxLag } from './measure.ts';
import { memorySample, samplePeakMemory, stackPssMiB } from './memory.ts';
import type { Mode } from './options.ts';
import { type Rig, removeRunMails, restock } from './rig.ts';

/** What every run shares: the offered load and the clock ticks /proc counts in. */
export interface RunSettings {
  rate: number;
  hold: number;
  users: number;
  ticksPerSecond: number;
  /** Lone orders before each async rush (lone-order.ts). */
  loneOrders: number;
}

const printProgress = (p: RushProgress) =>
  console.error(
    `  ${p.elapsedS.toFixed(0).padStart(4)}s offered ${p.offeredRps}/s accepted ${p.accepted} refused ${p.refused} failed ${p.failed} in flight ${p.inFlight} p99 ${p.p99Ms} ms`,
  );

async function counters(ticksPerSecond: number): Promise<Counters> {
  const cpu = stackCpuSeconds(ticksPerSecond);
  return { cpu, pg: await pgTransactions(), kafka: await kafkaRequests() };
}

/** One measured rush in `mode`: the load driver's figures, the audit's, and the cost per order. */
export async function runCase(mode: Mode, name: string, s: RunSettings) {
  const runId = `${mode}${Date.now().toString(36)}`;
  await restock();
  // On the quiet stack, before the rush and outside its measurement; its own run id, so the
  // rush's audit never counts these orders or their mails.
  const loneOrder = mode === 'async' && s.loneOrders > 0 ? await loneOrders(s.loneOrders) : null;
  const lag = await sampleMaxLag();
  // Idle: the quiet stack just before the rush (after the warm-up and the lone orders).
  const idleMemory = memorySample(stackPssMiB());
  const peakMemory = samplePeakMemory();
  const before = await counters(s.ticksPerSecond);
  console.error(`\n== ${name}: peak ${s.rate} orders/s for ${s.hold}s (run ${runId})`);
  const rushStarted = Date.now();
  const rush = await runRush({
    baseUrl: apiUrl,
    mode,
    stages: christmasStages(s.rate, s.hold),
    users: s.users,
    runId,
    onProgress: printProgress,
  });
  const auditStarted = Date.now();
  const audit = await auditRun({
    runId,
    // The local stack, charge counter included: a double charge at the provider fails the run.
    ...auditTarget,
    drainTimeoutMs: 120_000,
    log: (l) => console.error(`  ${l}`),
  });
  const maxConsumerLag = await lag.stop();
  // The peak spans the rush and its drain (the audit waits for every order to be terminal).
  const memoryMiB = { idle: idleMemory, peak: await peakMemory.stop() };
  const after = await counters(s.ticksPerSecond);
  await removeRunMails(runId); // measured above, so not counted
  // Drained = every accepted order terminal (confirmed/rejected) and every mail received, counted
  // from the last arrival; from the data's own timestamps when the audit saw it all, else when
  // the audit gave up.
  const drainMs = Math.max(
    0,
    audit.settledAt !== null && audit.lastArrivalAt !== null
      ? audit.settledAt - audit.lastArrivalAt
      : auditStarted + audit.drainedInMs - (rushStarted + rush.durationS * 1000),
  );
  const { acceptedOrders, firstErrors, ...rest } = rush;
  return {
    ...rest,
    firstErrors,
    endToEndMs: audit.endToEndMs,
    maxConsumerLag,
    drainedAfterLastArrivalMs: drainMs,
    ...costPerOrder(before, after, acceptedOrders.length),
    memoryMiB,
    loneOrder,
    audit: {
      ok: audit.ok,
      violations: audit.violations.slice(0, 20),
      stillDraining: audit.stillDraining,
      orders: audit.orders,
      provider: audit.provider,
      dlq: audit.dlq,
    },
  };
}

async function loneOrders(count: number) {
  const runId = `lone${Date.now().toString(36)}`;
  console.error(`\n== ${count} lone orders, one at a time (run ${runId})`);
  const figures = await measureLoneOrders(count, runId);
  console.error(
    `   received → confirmed p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms`,
  );
  await removeRunMails(runId);
  return figures;
}

export type CaseFigures = Awaited<ReturnType<typeof runCase>>;

/**
 * An unmeasured rush at the peak rate, drained before the measured one starts: freshly started
 * JVMs and Node processes spend their first minutes compiling, a one-time cost that is not the
 * per-order cost being measured.
 */
export async function warmUp(s: RunSettings, warmupS: number): Promise<void> {
  const runId = `warmup${Date.now().toString(36)}`;
  await restock();
  console.error(`\n== warm-up: ${s.rate} orders/s for ${warmupS}s, unmeasured (run ${runId})`);
  await runRush({
    baseUrl: apiUrl,
    mode: 'async',
    stages: [{ durationS: warmupS, targetRps: s.rate }],
    users: s.users,
    runId,
  });
  const drained = await auditRun({ runId, ...auditTarget, drainTimeoutMs: 120_000 });
  console.error(
    `   warm-up drained${drained.stillDraining ? ` (not entirely: ${drained.stillDraining})` : ''}`,
  );
  await removeRunMails(runId);
}

/** The API alone: the consumers stopped, order-api taking orders as fast as it can. */
export async function runApiOnly(rig: Rig, s: RunSettings, apiRate: number) {
  await rig.stop(['inventory', 'payment', 'email']);
  const runId = `api${Date.now().toString(36)}`;
  console.error(
    `\n== api alone (inventory, payment, email stopped): peak ${apiRate} orders/s for ${s.hold}s`,
  );
  const cpuBefore = stackCpuSeconds(s.ticksPerSecond);
  const rush = await runRush({
    baseUrl: apiUrl,
    mode: 'async',
    // Flat at the rate (no ramp), so accepted orders/s is the rate sustained. A thousand users
    // per order, nearly all distinct, so the rule (still checked for each) refuses next to none:
    // what is measured is the API's throughput, not the share of repeat customers.
    stages: [{ durationS: s.hold, targetRps: apiRate }],
    startRps: apiRate,
    users: apiRate * s.hold * 1000,
    runId,
    onProgress: printProgress,
  });
  const cpuByProcess = diff(stackCpuSeconds(s.ticksPerSecond), cpuBefore);
  const { acceptedOrders, ...rest } = rush;
  // The whole pipeline again, and the backlog worked off before the bench ends (not measured):
  // left to run after it, the consumers would work through it under whatever ran next. Then
  // audited like every case: the API alone must not lose orders.
  await rig.restoreDefaults();
  console.error(`  the consumers work off the ${acceptedOrders.length} orders the API took alone…`);
  const audit = await auditRun({
    runId,
    ...auditTarget,
    drainTimeoutMs: 20 * 60_000,
    log: (l) => console.error(`  ${l}`),
  });
  await removeRunMails(runId);
  return {
    ...rest,
    cpuMsPerOrderByProcess: perOrder(cpuByProcess, acceptedOrders.length, 1000),
    audit: { ok: audit.ok, violations: audit.violations.slice(0, 20), stillDraining: audit.stillDraining },
  };
}

export type ApiFigures = Awaited<ReturnType<typeof runApiOnly>>;
