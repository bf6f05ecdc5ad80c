import { describe, expect, it } from 'vitest';
import { HELD_FETCH_MARGIN_MS, HELD_FETCH_MIN_BYTES, heldFetchWait } from './consumer.ts';

describe('heldFetchWait', () => {
  it('long-polls (the configured wait) when nothing was fetched for two lingers', () => {
    expect(heldFetchWait(10_000, 10_000 - 301, 150)).toBeNull();
    expect(heldFetchWait(10_000, Number.NEGATIVE_INFINITY, 150)).toBeNull();
  });

  it('while a stream is busy, waits at the broker until a margin before the next tick', () => {
    // Ticks are the clock's multiples of the linger: 10,050 is one.
    expect(heldFetchWait(10_000, 9_990, 150)).toEqual({
      maxWaitTime: 10_050 - HELD_FETCH_MARGIN_MS - 10_000,
      minBytes: HELD_FETCH_MIN_BYTES,
    });
  });

  it('aims at the tick after when the next one is too close to be worth a request', () => {
    // 10,050 is 10 ms away (under two margins): the fetch goes for 10,200.
    expect(heldFetchWait(10_040, 10_030, 150)?.maxWaitTime).toBe(10_200 - HELD_FETCH_MARGIN_MS - 10_040);
  });

  it('every fetch of a busy stream answers a margin before a tick, whenever it leaves', () => {
    for (let now = 20_000; now < 20_300; now += 7) {
      const w = heldFetchWait(now, now - 1, 150);
      expect(w).not.toBeNull();
      const answersAt = now + (w?.maxWaitTime ?? 0) + HELD_FETCH_MARGIN_MS;
      expect(answersAt % 150).toBe(0);
      expect(w?.maxWaitTime).toBeGreaterThanOrEqual(HELD_FETCH_MARGIN_MS);
    }
  });
});
