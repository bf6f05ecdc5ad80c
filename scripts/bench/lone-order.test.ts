import { describe, expect, it } from 'vitest';
import { percentile, receivedToConfirmedMs, summarize } from './lone-order.ts';

describe('receivedToConfirmedMs', () => {
  it("is the time between the order's received and confirmed statuses", () => {
    const view = {
      history: [
        { status: 'received', at: '2026-12-24T12:00:00.000Z' },
        { status: 'reserved', at: '2026-12-24T12:00:00.040Z' },
        { status: 'confirmed', at: '2026-12-24T12:00:00.085Z' },
      ],
    };
    expect(receivedToConfirmedMs(view)).toBe(85);
  });

  it('is null for an order that was not confirmed', () => {
    const rejected = {
      history: [
        { status: 'received', at: '2026-12-24T12:00:00.000Z' },
        { status: 'rejected', at: '2026-12-24T12:00:00.050Z' },
      ],
    };
    expect(receivedToConfirmedMs(rejected)).toBeNull();
  });
});

describe('summarize', () => {
  it('gives p50, p99 and max of the samples, and keeps them in the order placed', () => {
    const samples = [120, 80, 95, 300, 90, 100, 85, 110, 105, 70, 75, 99];
    const s = summarize(12, samples);
    expect(s).toMatchObject({ orders: 12, confirmed: 12, p50Ms: 95, p99Ms: 300, maxMs: 300 });
    expect(s.samplesMs).toEqual(samples);
  });

  it('has no figures without a confirmed order, and says how many were not confirmed', () => {
    expect(summarize(3, [])).toMatchObject({
      orders: 3,
      confirmed: 0,
      p50Ms: null,
      p99Ms: null,
      maxMs: null,
    });
    expect(summarize(3, [10, 20]).confirmed).toBe(2);
  });
});

describe('percentile', () => {
  it('is the smallest sample with at least p% at or below it', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(percentile([], 50)).toBeNull();
  });
});
