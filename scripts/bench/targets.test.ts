import { describe, expect, it } from 'vitest';
import { apiTargets, memoryTargets, type RushFigures, rushTargets, verdict } from './targets.ts';

const passing: RushFigures = {
  audit: { ok: true },
  failed: 0,
  cpuMsPerOrder: 7.9,
  endToEndMs: { p99: 1_999 },
  drainedAfterLastArrivalMs: 4_999,
  timeToAccept: { p99Ms: 99.4 },
  pgTransactionsPerOrder: { total: 5 },
};

const missed = (r: RushFigures) =>
  rushTargets(r)
    .filter((t) => !t.met)
    .map((t) => t.target);

describe('rushTargets', () => {
  it('are all met just inside each bound', () => {
    expect(missed(passing)).toEqual([]);
  });

  it('miss each bound just outside it, one at a time', () => {
    expect(missed({ ...passing, audit: { ok: false } })).toEqual([
      'audit passes (nothing lost, doubled or over the limit)',
    ]);
    expect(missed({ ...passing, failed: 1 })).toEqual(['0 failed']);
    expect(missed({ ...passing, cpuMsPerOrder: 8.01 })).toEqual([
      'CPU ≤ 8 ms per accepted order (all stack processes)',
    ]);
    expect(missed({ ...passing, endToEndMs: { p99: 2_000 } })).toEqual(['end-to-end p99 < 2 s (ms)']);
    expect(missed({ ...passing, drainedAfterLastArrivalMs: 5_000 })).toEqual([
      'every order terminal < 5 s after the last arrival (ms)',
    ]);
    // Rounded as reported: 99.6 ms is 100 ms.
    expect(missed({ ...passing, timeToAccept: { p99Ms: 99.6 } })).toEqual(['time-to-accept p99 < 100 ms']);
    expect(missed({ ...passing, pgTransactionsPerOrder: { total: 5.01 } })).toEqual([
      'PostgreSQL ≤ 5 transactions per order',
    ]);
  });

  it('count a figure that could not be measured as missed', () => {
    expect(missed({ ...passing, cpuMsPerOrder: null })).toEqual([
      'CPU ≤ 8 ms per accepted order (all stack processes)',
    ]);
  });

  it('report the measured values', () => {
    expect(rushTargets(passing).map((t) => t.value)).toEqual([1, 0, 7.9, 1_999, 4_999, 99, 5]);
  });
});

describe('apiTargets', () => {
  it('want 1,500 accepted orders/s and a p99 under 50 ms', () => {
    expect(apiTargets({ acceptedRps: 1_500, timeToAccept: { p99Ms: 49 } }, 1_500).map((t) => t.met)).toEqual([
      true,
      true,
    ]);
    expect(
      apiTargets({ acceptedRps: 1_499.8, timeToAccept: { p99Ms: 50 } }, 1_500).map((t) => t.met),
    ).toEqual([false, false]);
  });
});

describe('memoryTargets', () => {
  it('hold the stack to 1.5 GiB idle and 2 GiB at the peak, bounds included', () => {
    expect(memoryTargets({ idleMiB: 1_536, peakMiB: 2_048 }).map((t) => t.met)).toEqual([true, true]);
    expect(memoryTargets({ idleMiB: 1_537, peakMiB: 2_048 }).map((t) => t.met)).toEqual([false, true]);
    expect(memoryTargets({ idleMiB: 1_000, peakMiB: 2_049 }).map((t) => t.met)).toEqual([true, false]);
  });

  it('count an unmeasured footprint as missed, and report the values', () => {
    expect(memoryTargets({ idleMiB: null, peakMiB: null }).map((t) => t.met)).toEqual([false, false]);
    expect(memoryTargets({ idleMiB: 1_200, peakMiB: 1_900 }).map((t) => t.value)).toEqual([1_200, 1_900]);
  });
});

describe('verdict', () => {
  const ok = { audit: { ok: true }, failed: 0 };
  it('passes when every run audited clean with nothing failed, the API alone included', () => {
    expect(verdict([ok, ok], null)).toBe('pass');
    expect(verdict([ok], { ...ok })).toBe('pass');
  });

  it('fails on any audit or any failed request', () => {
    expect(verdict([ok, { ...ok, audit: { ok: false } }], null)).toBe('fail');
    expect(verdict([ok, { ...ok, failed: 1 }], null)).toBe('fail');
    expect(verdict([ok], { ...ok, failed: 2 })).toBe('fail');
    expect(verdict([ok], { ...ok, audit: { ok: false } })).toBe('fail');
  });
});
