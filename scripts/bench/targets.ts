/**
 * The throughput issue's targets ("The rush, for real"), each with the measured value: judged
 * here, in the benchmark, never by timed assertions in tests.
 */

export interface Target {
  target: string;
  value: number | null;
  met: boolean;
}

const target = (name: string, value: number | null, ok: (v: number) => boolean): Target => ({
  target: name,
  value,
  met: value !== null && ok(value),
});

/** What the targets read of a measured async rush. */
export interface RushFigures {
  audit: { ok: boolean };
  failed: number;
  cpuMsPerOrder: number | null;
  endToEndMs: { p99: number };
  drainedAfterLastArrivalMs: number;
  timeToAccept: { p99Ms: number };
  pgTransactionsPerOrder: { total: number | null };
}

export function rushTargets(r: RushFigures): Target[] {
  return [
    target('audit passes (nothing lost, doubled or over the limit)', r.audit.ok ? 1 : 0, (v) => v === 1),
    target('0 failed', r.failed, (v) => v === 0),
    target('CPU ≤ 8 ms per accepted order (all stack processes)', r.cpuMsPerOrder, (v) => v <= 8),
    target('end-to-end p99 < 2 s (ms)', r.endToEndMs.p99, (v) => v < 2_000),
    target(
      'every order terminal < 5 s after the last arrival (ms)',
      r.drainedAfterLastArrivalMs,
      (v) => v < 5_000,
    ),
    target('time-to-accept p99 < 100 ms', Math.round(r.timeToAccept.p99Ms), (v) => v < 100),
    target('PostgreSQL ≤ 5 transactions per order', r.pgTransactionsPerOrder.total, (v) => v <= 5),
  ];
}

/** The API alone (the consumers stopped): its throughput and time to accept. */
export function apiTargets(
  api: { acceptedRps: number; timeToAccept: { p99Ms: number } },
  offeredRps: number,
): Target[] {
  return [
    {
      target: `the API alone: ≥ 1,500 accepted orders/s (offered ${offeredRps}/s)`,
      value: api.acceptedRps,
      met: api.acceptedRps >= 1_500,
    },
    {
      target: 'the API alone: time-to-accept p99 < 50 ms',
      value: Math.round(api.timeToAccept.p99Ms),
      met: api.timeToAccept.p99Ms < 50,
    },
  ];
}

/** The footprint bounds (issue 26): the whole local stack's PSS, idle and at a rush's peak. */
export const memoryBoundsMiB = { idle: 1_536, peak: 2_048 } as const;

/** The stack's footprint against its bounds: the largest idle and peak PSS of the bench's cases. */
export function memoryTargets(m: { idleMiB: number | null; peakMiB: number | null }): Target[] {
  return [
    target('stack memory idle ≤ 1.5 GiB (PSS, MiB)', m.idleMiB, (v) => v <= memoryBoundsMiB.idle),
    target('stack memory at the peak ≤ 2 GiB (PSS, MiB)', m.peakMiB, (v) => v <= memoryBoundsMiB.peak),
  ];
}

/**
 * The bench's verdict (its exit code): every run audited clean with nothing failed. Targets are
 * reported, not part of it: a slow machine misses them without anything being wrong.
 */
export function verdict(
  results: { audit: { ok: boolean }; failed: number }[],
  api: { failed: number; audit: { ok: boolean } } | null,
): 'pass' | 'fail' {
  return results.every((r) => r.audit.ok && r.failed === 0) &&
    (api?.failed ?? 0) === 0 &&
    (api?.audit.ok ?? true)
    ? 'pass'
    : 'fail';
}
