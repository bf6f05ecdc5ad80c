import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher, type Part } from './batcher.ts';
import { PermanentError } from './errors.ts';

interface Item {
  id: string;
}
const part = (ids: string[], active = () => true): Part<Item> => ({
  items: ids.map((id) => ({ id })),
  isActive: active,
});
/** A dependency down, as its adapter reports it (a stable code, and a retry can help). */
const transient = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', retriable: true });
/** Lets every pending promise and due timer run (fake time: backoffs pass at once). */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** A gate a handler can wait on: the test decides when a slow call ends. */
function gate() {
  let open = () => {};
  const closed = new Promise<void>((r) => {
    open = r;
  });
  return { closed, open: () => open() };
}

/** A batcher over a stand-in handler that records every call and dead letter. */
function harness(
  handle: (ids: string[]) => Promise<void>,
  overrides: { maxItems?: number; maxInFlight?: number } = {},
) {
  const calls: string[][] = [];
  const dead: { id: string; code: string; attempts: number }[] = [];
  let heartbeats = 0;
  let heartbeatFails = false;
  const batcher = createBatcher<Item>({
    handle: async (items) => {
      const ids = items.map((i) => i.id);
      calls.push(ids);
      await handle(ids);
    },
    deadLetter: async (item, error, attempts) => void dead.push({ id: item.id, code: error.code, attempts }),
    heartbeat: async () => {
      heartbeats++;
      if (heartbeatFails) throw new Error('The coordinator is not aware of this member');
    },
    // The key is the id's letter: a1, a2… are one user's messages.
    keyOf: (item) => item.id.slice(0, 1),
    maxItems: overrides.maxItems ?? 100,
    maxInFlight: overrides.maxInFlight ?? 2,
    retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 2_000 },
  });
  return {
    batcher,
    calls,
    dead,
    heartbeats: () => heartbeats,
    failHeartbeats: () => {
      heartbeatFails = true;
    },
  };
}

describe('createBatcher', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('applies parts submitted in the same turn in one call, each part in order', async () => {
    const h = harness(async () => {});
    const outcomes = Promise.all([
      h.batcher.submit(part(['a1', 'a2'])),
      h.batcher.submit(part(['b1', 'b2'])),
    ]);
    await settle();
    expect(await outcomes).toEqual(['done', 'done']);
    expect(h.calls).toEqual([['a1', 'a2', 'b1', 'b2']]);
  });

  it('never puts more than maxItems in one call, and a key waits for its earlier message', async () => {
    const h = harness(async () => {}, { maxItems: 3 });
    const all = Promise.all([h.batcher.submit(part(['a1', 'a2'])), h.batcher.submit(part(['b1', 'b2']))]);
    await settle();
    await all;
    // b2 does not go in a second call beside b1's: it waits for b1's call to finish.
    expect(h.calls).toEqual([['a1', 'a2', 'b1'], ['b2']]);
  });

  it('a slow message holds its own key only: later messages of other keys overtake it', async () => {
    const slow = gate();
    const finished: string[] = [];
    const h = harness(async (ids) => {
      if (ids.includes('a1')) await slow.closed; // a slow card charge, say
      finished.push(...ids);
    });
    const first = h.batcher.submit(part(['a1']));
    await settle();
    // The next fetch of the same partition: b1 is another user, a2 the slow user's next message.
    const second = h.batcher.submit(part(['b1', 'a2']));
    await settle();
    expect(finished).toEqual(['b1']);
    expect(h.calls.flat()).not.toContain('a2');
    slow.open();
    await settle();
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    expect(finished).toEqual(['b1', 'a1', 'a2']);
  });

  it('below(n) resolves once fewer than n items are waiting or in handler calls', async () => {
    const slow = gate();
    const h = harness(() => slow.closed, { maxInFlight: 1 });
    const parts = [h.batcher.submit(part(['a1', 'b1'])), h.batcher.submit(part(['c1']))];
    await settle();
    expect(h.batcher.pending()).toBe(3);
    let below = false;
    const belowDone = h.batcher.below(2).then(() => {
      below = true;
    });
    await settle();
    expect(below).toBe(false);
    slow.open();
    await settle();
    await belowDone;
    expect(await Promise.all(parts)).toEqual(['done', 'done']);
    expect(h.batcher.pending()).toBe(0);
  });

  it('drops the waiting messages of a part that is no longer ours: that part ends aborted', async () => {
    const slow = gate();
    const h = harness(() => slow.closed, { maxInFlight: 1 });
    let active = true;
    const busy = h.batcher.submit(part(['a1']));
    await settle();
    const waiting = h.batcher.submit(part(['b1', 'c1'], () => active));
    await settle();
    active = false; // revoked while waiting for a free call
    h.batcher.sweep();
    expect(await waiting).toBe('aborted');
    slow.open();
    await settle();
    expect(await busy).toBe('done');
    expect(h.calls).toEqual([['a1']]);
  });

  it('retries a transient failure with backoff and heartbeats until the dependency is back, dead-letters nothing', async () => {
    let failures = 10; // more than maxAttempts: an outage is not counted against the message
    const h = harness(async () => {
      if (failures-- > 0) throw transient();
    });
    const done = h.batcher.submit(part(['a1', 'a2']));
    await settle();
    expect(h.batcher.waiting()?.error.code).toBe('ECONNREFUSED');
    await vi.runAllTimersAsync();
    expect(await done).toBe('done');
    expect(h.calls).toHaveLength(11);
    expect(h.dead).toEqual([]);
    expect(h.heartbeats()).toBeGreaterThanOrEqual(10);
    expect(h.batcher.waiting()).toBeNull();
  });

  it('pauses while a dependency rejects our credentials: nothing is dead-lettered, and waiting() names the dependency', async () => {
    let refusals = 20; // far past maxAttempts: the key is wrong, not the messages
    const h = harness(async () => {
      if (refusals-- > 0)
        throw Object.assign(new Error('card provider: Invalid API Key provided'), {
          code: 'STRIPE_AUTH',
          retriable: true,
          blocksService: true,
          dependency: 'card provider',
        });
    });
    const done = Promise.all([h.batcher.submit(part(['a1'])), h.batcher.submit(part(['b1']))]);
    await settle();
    expect(h.batcher.waiting()?.error).toMatchObject({
      kind: 'transient',
      code: 'STRIPE_AUTH',
      blocksService: true,
      dependency: 'card provider',
    });
    // The key is fixed: the same messages go through.
    await vi.runAllTimersAsync();
    expect(await done).toEqual(['done', 'done']);
    expect(h.calls).toHaveLength(21);
    expect(h.dead).toEqual([]);
    expect(h.batcher.waiting()).toBeNull();
  });

  it('does not try again before the Retry-After a provider gave', async () => {
    let failures = 1;
    const h = harness(async () => {
      if (failures-- > 0)
        throw Object.assign(new Error('429 Too Many Requests'), {
          code: 'RATE_LIMITED',
          retriable: true,
          retryAfterMs: 8_000,
        });
    });
    const done = h.batcher.submit(part(['a1']));
    await settle();
    await vi.advanceTimersByTimeAsync(7_999);
    expect(h.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe('done');
    expect(h.calls).toHaveLength(2);
  });

  it('keeps retrying while heartbeats fail, as long as the part is still ours (no hole left behind)', async () => {
    let failures = 5;
    const h = harness(async () => {
      if (failures-- > 0) throw transient();
    });
    h.failHeartbeats();
    const done = h.batcher.submit(part(['a1']));
    await vi.runAllTimersAsync();
    expect(await done).toBe('done');
    expect(h.calls).toHaveLength(6);
  });

  it('keeps trying a dead-letter publish that fails, as long as the part is ours: never skips the message', async () => {
    let dlqFailures = 8;
    const dead: string[] = [];
    const batcher = createBatcher<Item>({
      handle: async () => {
        throw new PermanentError('UNKNOWN_ORDER', 'no such order');
      },
      deadLetter: async (item) => {
        if (dlqFailures-- > 0) throw new Error('This server does not host this topic-partition');
        dead.push(item.id);
      },
      heartbeat: async () => {},
      keyOf: (i) => i.id,
      maxItems: 10,
      maxInFlight: 1,
      retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 1_000 },
    });
    const done = batcher.submit(part(['a1']));
    await vi.runAllTimersAsync();
    expect(await done).toBe('done');
    expect(dead).toEqual(['a1']);
  });

  it('isolates a poison message: the others are applied, only it goes to the dead-letter topic', async () => {
    const h = harness(async (ids) => {
      if (ids.includes('b2')) throw new PermanentError('UNKNOWN_ORDER', 'no such order');
    });
    const outcomes = Promise.all([
      h.batcher.submit(part(['a1', 'a2'])),
      h.batcher.submit(part(['b1', 'b2', 'b3'])),
    ]);
    await vi.runAllTimersAsync();
    expect(await outcomes).toEqual(['done', 'done']);
    expect(h.dead).toEqual([{ id: 'b2', code: 'UNKNOWN_ORDER', attempts: 1 }]);
    // The group call failed, then each item alone, in the order given.
    expect(h.calls).toEqual([['a1', 'a2', 'b1', 'b2', 'b3'], ['a1'], ['a2'], ['b1'], ['b2'], ['b3']]);
  });

  it('sends a programming error straight to the dead-letter topic, without retries', async () => {
    const h = harness(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    const done = h.batcher.submit(part(['a1']));
    await vi.runAllTimersAsync();
    expect(await done).toBe('done');
    expect(h.calls).toEqual([['a1']]);
    expect(h.dead).toEqual([{ id: 'a1', code: 'TypeError', attempts: 1 }]);
  });

  it('retries an unknown error a bounded number of times, then dead-letters it', async () => {
    const h = harness(async () => {
      throw new Error('something odd');
    });
    const done = h.batcher.submit(part(['a1']));
    await vi.runAllTimersAsync();
    await done;
    expect(h.calls).toHaveLength(3);
    expect(h.dead).toEqual([{ id: 'a1', code: 'Error', attempts: 3 }]);
  });

  it('gives up on a part that is no longer ours (shutdown, rebalance): aborted, nothing dead-lettered', async () => {
    let active = true;
    const h = harness(async () => {
      active = false; // the partition is revoked while the dependency is down
      throw transient();
    });
    const done = h.batcher.submit(part(['a1'], () => active));
    await vi.runAllTimersAsync();
    expect(await done).toBe('aborted');
    expect(h.dead).toEqual([]);
  });

  it('counts work that was applied as done even if the part became inactive meanwhile (graceful stop)', async () => {
    let active = true;
    const h = harness(async () => {
      active = false; // stop requested while the handler runs: it finishes
    });
    const done = h.batcher.submit(part(['a1'], () => active));
    await settle();
    expect(await done).toBe('done');
  });
});
