import { describe, expect, it } from 'vitest';
import { type CaseResult, memoryByProcess, memoryOf, ratio, ratiosOf } from './report.ts';

const result = (over: { acceptedRps: number; p99: number; cpu: number; accept: number }) =>
  ({
    acceptedRps: over.acceptedRps,
    endToEndMs: { p50: 0, p99: over.p99, max: 0, count: 0 },
    cpuMsPerOrder: over.cpu,
    timeToAccept: { p50Ms: 0, p95Ms: 0, p99Ms: over.accept, maxMs: 0, meanMs: 0, count: 0 },
  }) as unknown as CaseResult;

describe('ratio', () => {
  it('is b over a to one decimal, or null without both', () => {
    expect(ratio(2, 5)).toBe(2.5);
    expect(ratio(3, 1)).toBe(0.3);
    expect(ratio(undefined, 5)).toBeNull();
    expect(ratio(0, 5)).toBeNull();
  });
});

describe('ratiosOf', () => {
  it('compares sync with async, and each linger and tracing case with the baseline', () => {
    const results = {
      async: result({ acceptedRps: 300, p99: 1000, cpu: 8, accept: 10 }),
      'async-linger5': result({ acceptedRps: 300, p99: 1500, cpu: 6, accept: 10 }),
      'async-tracing-off': result({ acceptedRps: 300, p99: 900, cpu: 7.5, accept: 10 }),
      sync: result({ acceptedRps: 100, p99: 3000, cpu: 9, accept: 250 }),
    };
    const cases = Object.keys(results).map((name) => ({
      name,
      mode: 'async' as const,
      lingerMs: 0,
      tracing: 'on',
    }));
    expect(ratiosOf(results, cases, 'on')).toEqual({
      syncOverAsyncTimeToAcceptP99: 25,
      asyncOverSyncAcceptedRps: 3,
      linger: {
        'async-linger5': {
          acceptedRpsOverBaseline: 1,
          endToEndP99OverBaseline: 1.5,
          cpuPerOrderOverBaseline: 0.8,
        },
      },
      tracing: {
        'async-tracing-off': {
          baselineTracing: 'on',
          cpuMsPerOrderDelta: -0.5,
          endToEndP99OverBaseline: 0.9,
        },
      },
    });
  });
});

describe('memoryOf', () => {
  const withMemory = (idle: number, peak: number) =>
    ({
      memoryMiB: {
        idle: { totalMiB: idle, byProcessMiB: {} },
        peak: { totalMiB: peak, byProcessMiB: {} },
      },
    }) as unknown as CaseResult;

  it('is the largest idle and the largest peak among the cases, which may be different cases', () => {
    expect(memoryOf({ async: withMemory(1_400, 1_700), sync: withMemory(1_450, 1_650) })).toEqual({
      idleMiB: 1_450,
      peakMiB: 1_700,
    });
  });

  it('is null without a case', () => {
    expect(memoryOf({})).toEqual({ idleMiB: null, peakMiB: null });
  });
});

describe('memoryByProcess', () => {
  it('pairs each process idle → peak, in the peak order, 0 for one absent when idle', () => {
    expect(
      memoryByProcess({
        idle: { totalMiB: 400, byProcessMiB: { postgres: 100, 'kafka-1': 300 } },
        peak: { totalMiB: 560, byProcessMiB: { 'kafka-1': 340, postgres: 120, 'payment-2': 100 } },
      }),
    ).toBe('kafka-1 300→340, postgres 100→120, payment-2 0→100');
  });
});
