import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.ts';
import { createArrivals, createPacing, HELD_FETCH_MIN_BYTES, marginFor } from './pacing.ts';

const LINGER = 150;
const MARGIN = marginFor(LINGER);
// 10,000,050 is a tick (a multiple of 150): the next ones are 10,000,200 and 10,000,350.
const T0 = 10_000_050;

function harness(lingerMs = LINGER) {
  const passes: number[] = [];
  const pacing = createPacing({ lingerMs, clock: systemClock, onPass: () => void passes.push(Date.now()) });
  return { pacing, passes };
}

describe('createPacing', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('a quiet consumer long-polls, and hands over its first message at once', async () => {
    const h = harness();
    expect(h.pacing.fetchWait()).toBeNull();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([T0]);
  });

  it("a lone order's two messages to one consumer are both handed over at once, and the fetch after them is held", async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.pacing.fetchWait()).toBeNull(); // one arrival is no stream
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([T0, T0 + 100]);
    // Two arrivals within two lingers: the next fetch waits at the broker until the tick.
    vi.advanceTimersByTime(10); // T0 + 110 = 10,000,160: the next tick is 10,000,200
    expect(h.pacing.fetchWait()).toEqual({
      maxWaitTime: 10_000_200 - MARGIN - 10_000_160,
      minBytes: HELD_FETCH_MIN_BYTES,
    });
  });

  it('a fetch too close to its tick is held for the tick after', async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(10);
    h.pacing.arrived();
    vi.advanceTimersByTime(130); // 10 ms before the tick at 10,000,200: less than two margins
    expect(h.pacing.fetchWait()?.maxWaitTime).toBe(10_000_350 - MARGIN - 10_000_190);
  });

  it('in a stream, what arrives for a tick is handed over in one pass at the tick', async () => {
    const h = harness();
    h.pacing.arrived(); // quiet: at once
    await vi.advanceTimersByTimeAsync(5);
    h.pacing.arrived(); // second: still at once
    await vi.advanceTimersByTimeAsync(150 - 5 - MARGIN); // a margin before the tick at 10,000,200
    // The held fetches of three brokers answer a margin before the tick, one a little late.
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(3);
    h.pacing.arrived();
    expect(h.passes).toEqual([T0, T0 + 5]);
    await vi.advanceTimersByTimeAsync(MARGIN - 3);
    expect(h.passes).toEqual([T0, T0 + 5, 10_000_200]);
    await vi.advanceTimersByTimeAsync(2);
    h.pacing.arrived(); // 2 ms after the tick: still this tick's answer, passes at once
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([T0, T0 + 5, 10_000_200, 10_000_202]);
  });

  it('the batches of one fetch response are one arrival', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.pacing.arrived(); // five partitions of one answer
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([T0]);
    await vi.advanceTimersByTimeAsync(20);
    h.pacing.arrived(); // the second arrival: at once, not a tick's wait
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([T0, T0 + 20]);
  });

  it('quiet again once fewer than two arrivals fall in the last two lingers', async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(1);
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(2 * LINGER - 1);
    expect(h.pacing.fetchWait()).not.toBeNull(); // the older arrival is exactly two lingers ago
    await vi.advanceTimersByTimeAsync(1);
    expect(h.pacing.fetchWait()).toBeNull();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes.at(-1)).toBe(T0 + 2 * LINGER + 1);
  });

  it('holds every fetch for at least a millisecond even with a tiny linger', () => {
    const h = harness(1);
    h.pacing.arrived();
    vi.advanceTimersByTime(1);
    h.pacing.arrived();
    for (let i = 0; i < 3; i++) {
      expect(h.pacing.fetchWait()?.maxWaitTime).toBeGreaterThanOrEqual(1);
      vi.advanceTimersByTime(0.5);
    }
  });

  it('close() cancels a pending pass', async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(5);
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(5);
    h.pacing.arrived(); // a stream: waits for the tick
    h.pacing.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.passes).toHaveLength(2);
  });
});

describe('createArrivals (the rule, also the outbox relay’s)', () => {
  it('at once until a third arrival within two lingers, then at the next tick; a linger of 0 never waits', () => {
    const a = createArrivals(50);
    expect(a.arrive(1_000)).toBe(1_000);
    expect(a.arrive(1_020)).toBe(1_020);
    expect(a.arrive(1_030)).toBe(1_050); // the third within 100 ms
    expect(a.arrive(1_050)).toBe(1_050); // on a tick: at once
    expect(a.arrive(1_200)).toBe(1_200); // quiet again: the older arrival is 150 ms ago
    const never = createArrivals(0);
    never.arrive(1);
    never.arrive(2);
    expect(never.arrive(3)).toBe(3);
  });
});
