import type { BatchContext, Delivery } from '@akaso/kafka';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withMessageDelay } from './message-delay.ts';

const deliveries = (n: number) => Array.from({ length: n }, (_, i) => ({ offset: `${i}` }) as Delivery);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A handler that records when it was called, and a context that counts heartbeats. */
function harness(delay: { ms: number }, active = () => true) {
  const calls: { at: number; count: number }[] = [];
  let heartbeats = 0;
  const ctx: BatchContext = { heartbeat: async () => void heartbeats++ };
  const handler = withMessageDelay(
    async (ds) => {
      calls.push({ at: Date.now(), count: ds.length });
    },
    { delayMs: () => delay.ms, active },
  );
  return { calls, ctx, handler, heartbeats: () => heartbeats };
}

describe('withMessageDelay', () => {
  it('without a delay calls the handler at once, with no timer', async () => {
    const { calls, ctx, handler } = harness({ ms: 0 });
    const start = Date.now();
    const done = handler(deliveries(3), ctx);
    expect(calls).toEqual([{ at: start, count: 3 }]);
    expect(vi.getTimerCount()).toBe(0);
    await done;
  });

  it('waits the delay once per message before the batch, with heartbeats meanwhile', async () => {
    const { calls, ctx, handler, heartbeats } = harness({ ms: 1_500 });
    const start = Date.now();
    const done = handler(deliveries(2), ctx);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(calls).toEqual([{ at: start + 3_000, count: 2 }]);
    // 1,500 ms each in slices of at most a second: 1,000 + 500, twice.
    expect(heartbeats()).toBe(4);
  });

  it('a flag cleared during the wait ends it within a slice', async () => {
    const delay = { ms: 10_000 };
    const { calls, ctx, handler } = harness(delay);
    const start = Date.now();
    const done = handler(deliveries(5), ctx);
    await vi.advanceTimersByTimeAsync(2_500);
    delay.ms = 0;
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(calls).toEqual([{ at: start + 3_000, count: 5 }]);
  });

  it('a stopping service stops waiting', async () => {
    let running = true;
    const { calls, ctx, handler } = harness({ ms: 10_000 }, () => running);
    const start = Date.now();
    const done = handler(deliveries(5), ctx);
    await vi.advanceTimersByTimeAsync(1_000);
    running = false;
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(calls).toEqual([{ at: start + 2_000, count: 5 }]);
  });

  it('passes the handler error on', async () => {
    const handler = withMessageDelay(
      async () => {
        throw new Error('poison');
      },
      { delayMs: () => 100 },
    );
    const done = handler(deliveries(1), { heartbeat: async () => {} });
    const outcome = expect(done).rejects.toThrow('poison');
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
  });
});
