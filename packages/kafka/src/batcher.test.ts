import { describe, expect, it } from 'vitest';
import { createBatcher, type Part } from './batcher.ts';
import { PermanentError } from './errors.ts';

interface Item {
  id: string;
}
const part = (ids: string[], active = () => true): Part<Item> => ({
  items: ids.map((id) => ({ id })),
  isActive: active,
});
const transient = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** A batcher over a stand-in handler that records every call, commit and dead letter. */
function harness(
  handle: (ids: string[]) => Promise<void>,
  overrides: {
    maxItems?: number;
    maxInFlight?: number;
    lingerMs?: number;
    lingerEnd?: (now: number) => number;
    quietMs?: number;
  } = {},
) {
  const calls: string[][] = [];
  const commits: string[][] = [];
  const dead: { id: string; code: string; attempts: number }[] = [];
  const sleeps: number[] = [];
  const batcher = createBatcher<Item>({
    handle: async (items) => {
      const ids = items.map((i) => i.id);
      calls.push(ids);
      await handle(ids);
    },
    deadLetter: async (item, error, attempts) => void dead.push({ id: item.id, code: error.code, attempts }),
    commit: async (parts) => void commits.push(parts.flatMap((p) => p.items.map((i) => i.id))),
    heartbeat: async () => {},
    // The key is the id's letter: a1, a2… are one user's messages.
    keyOf: (item) => item.id.slice(0, 1),
    maxItems: overrides.maxItems ?? 100,
    lingerMs: overrides.lingerMs ?? 1,
    ...(overrides.lingerEnd ? { lingerEnd: overrides.lingerEnd } : {}),
    ...(overrides.quietMs !== undefined ? { quietMs: overrides.quietMs } : {}),
    maxInFlight: overrides.maxInFlight ?? 2,
    retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 },
    // Backoffs take no time here, but still yield to timers (as real sleeps do).
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise((r) => setImmediate(r));
    },
  });
  return { batcher, calls, commits, dead, sleeps };
}

describe('createBatcher', () => {
  it('applies parts submitted together in one call, each part in order, and commits them in one request', async () => {
    const h = harness(async () => {});
    const outcomes = await Promise.all([
      h.batcher.submit(part(['a1', 'a2'])),
      h.batcher.submit(part(['b1', 'b2'])),
    ]);
    expect(outcomes).toEqual(['done', 'done']);
    expect(h.calls).toEqual([['a1', 'a2', 'b1', 'b2']]);
    expect(h.commits).toEqual([['a1', 'a2', 'b1', 'b2']]);
  });

  it('never puts more than maxItems in one call, and a key waits for its earlier message', async () => {
    const h = harness(async () => {}, { maxItems: 3 });
    await Promise.all([h.batcher.submit(part(['a1', 'a2'])), h.batcher.submit(part(['b1', 'b2']))]);
    // b2 does not go in a second call beside b1's: it waits for b1's call to finish.
    expect(h.calls).toEqual([['a1', 'a2', 'b1'], ['b2']]);
  });

  it('a slow message holds its own key only: later messages of other keys overtake it', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const finished: string[] = [];
    const h = harness(async (ids) => {
      if (ids.includes('a1')) await gate; // a 300 ms card charge, say
      finished.push(...ids);
    });
    const first = h.batcher.submit(part(['a1']));
    while (h.calls.length < 1) await new Promise((r) => setTimeout(r, 1));
    // The next fetch of the same partition: b1 is another user, a2 the slow user's next message.
    const second = h.batcher.submit(part(['b1', 'a2']));
    while (!finished.includes('b1')) await new Promise((r) => setTimeout(r, 1));
    expect(finished).toEqual(['b1']);
    expect(h.calls.flat()).not.toContain('a2');
    release();
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    expect(finished).toEqual(['b1', 'a1', 'a2']);
    // The part holding a2 finished after a1's: each part is committed once all its items are.
    expect(h.commits).toEqual([['a1'], ['b1', 'a2']]);
  });

  it('paces the fetch: flushed() after the dispatch pass even if a key must wait; below(n) once fewer are in hand', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness(() => gate, { maxInFlight: 2 });
    const first = h.batcher.submit(part(['a1', 'b1']));
    await h.batcher.flushed();
    expect(h.calls).toEqual([['a1', 'b1']]);
    // a2 waits for a1 (its key), c1 goes: the pass is over either way.
    const second = h.batcher.submit(part(['a2', 'c1']));
    await h.batcher.flushed();
    expect(h.calls).toEqual([['a1', 'b1'], ['c1']]);
    expect(h.batcher.pending()).toBe(4);
    let below = false;
    const belowDone = h.batcher.below(2).then(() => {
      below = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(below).toBe(false);
    release();
    await belowDone;
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    expect(h.calls).toEqual([['a1', 'b1'], ['c1'], ['a2']]);
    await h.batcher.below(1);
    expect(h.batcher.pending()).toBe(0);
  });

  it('an idle consumer does not make its first message wait; what follows it lingers', async () => {
    const h = harness(async () => {}, { lingerMs: 200 });
    const first = h.batcher.submit(part(['a1']));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls).toEqual([['a1']]);
    // Right behind it: traffic, so these wait the linger for company and go together.
    const second = h.batcher.submit(part(['b1']));
    const third = h.batcher.submit(part(['c1']));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls).toEqual([['a1']]);
    expect(await Promise.all([first, second, third])).toEqual(['done', 'done', 'done']);
    expect(h.calls).toEqual([['a1'], ['b1', 'c1']]);
  });

  it('with a lead, lets the next fetch leave before the linger ends, and what it brings joins the same call', async () => {
    const h = harness(async () => {}, { lingerMs: 60 });
    // Traffic: an item that is dispatched at once (the consumer was idle), then the one we follow.
    await h.batcher.submit(part(['z1']));
    h.calls.length = 0;
    const first = h.batcher.submit(part(['a1']));
    // Half-way through the linger: the fetch may leave, nothing has been dispatched yet.
    await h.batcher.flushed(30);
    expect(h.calls).toEqual([]);
    // What that fetch brought, past the lead point: the fetch after it may leave at once.
    const second = h.batcher.submit(part(['b1']));
    await h.batcher.flushed(30);
    expect(h.calls).toEqual([]);
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    // Both fetches' messages in the one call the linger was waiting for.
    expect(h.calls).toEqual([['a1', 'b1']]);
  });

  it('ends a linger where lingerEnd says (a shared tick), not a whole linger after the first arrival', async () => {
    const start = Date.now();
    // A tick 40 ms away; the linger alone would wait 300 ms.
    const h = harness(async () => {}, { lingerMs: 300, lingerEnd: () => start + 40, quietMs: 600 });
    await h.batcher.submit(part(['z1'])); // idle: at once
    h.calls.length = 0;
    const parts = [h.batcher.submit(part(['a1'])), h.batcher.submit(part(['b1']))];
    await new Promise((r) => setTimeout(r, 5));
    parts.push(h.batcher.submit(part(['c1']))); // a second broker's answer, a little later
    expect(await Promise.all(parts)).toEqual(['done', 'done', 'done']);
    // One call for the tick, at the tick.
    expect(h.calls).toEqual([['a1', 'b1', 'c1']]);
    expect(Date.now() - start).toBeLessThan(200);
  });

  it('with quietMs longer than the linger, an answer one linger after the last is still traffic', async () => {
    const h = harness(async () => {}, { lingerMs: 40, quietMs: 200 });
    await h.batcher.submit(part(['z1'])); // nothing before: at once
    h.calls.length = 0;
    await new Promise((r) => setTimeout(r, 60)); // more than a linger, less than quietMs
    const next = h.batcher.submit(part(['a1']));
    await new Promise((r) => setTimeout(r, 10));
    expect(h.calls).toEqual([]); // lingering, not dispatched at once
    expect(await next).toBe('done');
    expect(h.calls).toEqual([['a1']]);
  });

  it('drops the waiting messages of a part that is no longer ours: that part ends aborted, uncommitted', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness(() => gate, { maxInFlight: 1 });
    let active = true;
    const busy = h.batcher.submit(part(['a1']));
    while (h.calls.length < 1) await new Promise((r) => setTimeout(r, 1));
    const waiting = h.batcher.submit(part(['b1', 'c1'], () => active));
    active = false; // revoked while waiting for a free call
    h.batcher.sweep();
    expect(await waiting).toBe('aborted');
    release();
    expect(await busy).toBe('done');
    expect(h.calls).toEqual([['a1']]);
    expect(h.commits).toEqual([['a1']]);
  });

  it('retries a transient failure until the dependency is back, dead-letters nothing', async () => {
    let failures = 10; // more than maxAttempts: a dependency outage is not counted against the message
    const h = harness(async () => {
      if (failures-- > 0) throw transient();
    });
    expect(await h.batcher.submit(part(['a1', 'a2']))).toBe('done');
    expect(h.calls).toHaveLength(11);
    expect(h.dead).toEqual([]);
    expect(h.commits).toEqual([['a1', 'a2']]);
  });

  it('reports how long it has been waiting for a dependency', async () => {
    let failing = true;
    const h = harness(async () => {
      if (failing) throw transient();
    });
    const done = h.batcher.submit(part(['a1']));
    // Let it fail a few times, then check the report while it is still failing.
    while (h.calls.length < 3) await new Promise((r) => setTimeout(r, 1));
    expect(h.batcher.waiting()?.error.code).toBe('ECONNREFUSED');
    failing = false;
    expect(await done).toBe('done');
    expect(h.batcher.waiting()).toBeNull();
  });

  it('isolates a poison message: the others are applied, only it goes to the dead-letter topic', async () => {
    const h = harness(async (ids) => {
      if (ids.includes('b2')) throw new PermanentError('UNKNOWN_ORDER', 'no such order');
    });
    const outcomes = await Promise.all([
      h.batcher.submit(part(['a1', 'a2'])),
      h.batcher.submit(part(['b1', 'b2', 'b3'])),
    ]);
    expect(outcomes).toEqual(['done', 'done']);
    expect(h.dead).toEqual([{ id: 'b2', code: 'UNKNOWN_ORDER', attempts: 1 }]);
    // The group call failed, then each item alone, each partition in its order.
    expect(h.calls[0]).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
    expect(h.calls.slice(1).flat().sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
    const bOrder = h.calls
      .slice(1)
      .flat()
      .filter((id) => id.startsWith('b'));
    expect(bOrder).toEqual(['b1', 'b2', 'b3']);
    expect(h.commits.flat().sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
  });

  it('sends a programming error straight to the dead-letter topic, without retries', async () => {
    const h = harness(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    await h.batcher.submit(part(['a1']));
    expect(h.calls).toEqual([['a1']]);
    expect(h.dead).toEqual([{ id: 'a1', code: 'TypeError', attempts: 1 }]);
    expect(h.commits).toEqual([['a1']]);
  });

  it('retries an unknown error a bounded number of times, then dead-letters it', async () => {
    const h = harness(async () => {
      throw new Error('something odd');
    });
    await h.batcher.submit(part(['a1']));
    expect(h.calls).toHaveLength(3);
    expect(h.dead).toEqual([{ id: 'a1', code: 'Error', attempts: 3 }]);
  });

  it('gives up on a part that is no longer ours (shutdown, rebalance): nothing committed, nothing dead-lettered', async () => {
    let active = true;
    const h = harness(async () => {
      active = false; // the partition is revoked while the dependency is down
      throw transient();
    });
    expect(await h.batcher.submit(part(['a1'], () => active))).toBe('aborted');
    expect(h.commits).toEqual([]);
    expect(h.dead).toEqual([]);
  });

  it('commits work that was applied even if the part became inactive meanwhile (graceful stop)', async () => {
    let active = true;
    const h = harness(async () => {
      active = false; // stop requested while the handler runs: it finishes
    });
    expect(await h.batcher.submit(part(['a1'], () => active))).toBe('done');
    expect(h.commits).toEqual([['a1']]);
  });
});
