import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.ts';
import { createPacing, HELD_FETCH_MIN_BYTES, marginFor } from './pacing.ts';

const LINGER = 150;
const MARGIN = marginFor(LINGER);

function harness(lingerMs = LINGER) {
  const passes: number[] = [];
  const pacing = createPacing({ lingerMs, clock: systemClock, onPass: () => void passes.push(Date.now()) });
  return { pacing, passes };
}

describe('createPacing', () => {
  // 10,000,000 is a multiple of 150 ms: the clock starts on a tick.
  beforeEach(() => vi.useFakeTimers({ now: 10_000_050 }));
  afterEach(() => vi.useRealTimers());

  it('a quiet consumer long-polls, and hands over its first message at once', async () => {
    const h = harness();
    expect(h.pacing.fetchWait()).toBeNull();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([10_000_050]);
  });

  it('a busy consumer holds its fetches until a margin before the next tick', () => {
    const h = harness();
    h.pacing.arrived(); // now busy
    vi.advanceTimersByTime(10); // 10,000,060: the next tick is 10,000,200
    expect(h.pacing.fetchWait()).toEqual({
      maxWaitTime: 10_000_200 - MARGIN - 10_000_060,
      minBytes: HELD_FETCH_MIN_BYTES,
    });
  });

  it('a fetch too close to its tick is held for the tick after', () => {
    const h = harness();
    h.pacing.arrived();
    vi.advanceTimersByTime(140); // 10 ms before a tick: less than two margins
    expect(h.pacing.fetchWait()?.maxWaitTime).toBe(10_000_350 - MARGIN - 10_000_190);
  });

  it('while busy, what arrives for a tick is handed over in one pass at the tick', async () => {
    const h = harness();
    h.pacing.arrived(); // quiet: at once
    await vi.advanceTimersByTimeAsync(0);
    // The held fetches of three brokers answer a margin before the tick, one a little late.
    await vi.advanceTimersByTimeAsync(150 - MARGIN);
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(3);
    h.pacing.arrived();
    expect(h.passes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(MARGIN - 3);
    expect(h.passes).toEqual([10_000_050, 10_000_200]);
    await vi.advanceTimersByTimeAsync(2);
    h.pacing.arrived(); // 2 ms after the tick: still this tick's answer, passes at once
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toEqual([10_000_050, 10_000_200, 10_000_202]);
  });

  it('quiet again after two lingers without arrivals: long poll, and no wait for the next message', async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(2 * LINGER);
    expect(h.pacing.fetchWait()).not.toBeNull(); // exactly two lingers: still busy
    await vi.advanceTimersByTimeAsync(1);
    expect(h.pacing.fetchWait()).toBeNull();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.passes).toHaveLength(2);
    expect(h.passes[1]).toBe(10_000_050 + 2 * LINGER + 1);
  });

  it('holds every fetch for at least a millisecond even with a tiny linger', () => {
    const h = harness(1);
    h.pacing.arrived();
    for (let i = 0; i < 5; i++) {
      expect(h.pacing.fetchWait()?.maxWaitTime).toBeGreaterThanOrEqual(1);
      vi.advanceTimersByTime(0.5);
    }
  });

  it('close() cancels a pending pass', async () => {
    const h = harness();
    h.pacing.arrived();
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(10);
    h.pacing.arrived(); // busy: waits for the tick
    h.pacing.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.passes).toHaveLength(1);
  });
});

describe('passTime (the rule, also the outbox relay’s)', () => {
  it('at once after a quiet spell, else at the next tick; a linger of 0 never waits', async () => {
    const { passTime } = await import('./pacing.ts');
    expect(passTime(1_000, Number.NEGATIVE_INFINITY, 50)).toBe(1_000);
    expect(passTime(1_020, 1_000, 50)).toBe(1_050);
    expect(passTime(1_050, 1_020, 50)).toBe(1_050); // on a tick: at once
    expect(passTime(1_101, 1_000, 50)).toBe(1_101); // more than two lingers since: quiet
    expect(passTime(1_020, 1_000, 0)).toBe(1_020);
    expect(passTime(1_052, 1_040, 50, 5)).toBe(1_052); // within the margin after a tick
  });
});
