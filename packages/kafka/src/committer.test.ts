import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCommitter } from './committer.ts';

type Offsets = { topic: string; partition: number; offset: string }[];

describe('createCommitter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('sends the highest offset per partition, in one request, at most once per interval', async () => {
    const commits: Offsets[] = [];
    const c = createCommitter({
      intervalMs: 50,
      commit: async (o) => void commits.push(o),
      onError: () => {},
    });
    c.add('orders', 1, 10n);
    c.add('orders', 1, 12n);
    c.add('orders', 1, 11n); // never backwards
    c.add('payments', 3, 5n);
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toHaveLength(1); // the first commit goes at once
    c.add('orders', 1, 20n);
    await vi.advanceTimersByTimeAsync(49);
    expect(commits).toHaveLength(1); // the second waits for the interval
    await vi.advanceTimersByTimeAsync(1);
    expect(commits).toEqual([
      [
        { topic: 'orders', partition: 1, offset: '12' },
        { topic: 'payments', partition: 3, offset: '5' },
      ],
      [{ topic: 'orders', partition: 1, offset: '20' }],
    ]);
  });

  it('keeps the offsets of a failed commit and sends them again an interval later', async () => {
    const commits: Offsets[] = [];
    const errors: unknown[] = [];
    let failing = true;
    const c = createCommitter({
      intervalMs: 1_000,
      commit: async (o) => {
        commits.push(o);
        if (failing) throw new Error('REBALANCE_IN_PROGRESS');
      },
      onError: (e) => void errors.push(e),
    });
    c.add('orders', 0, 7n);
    await c.flush();
    expect(errors).toHaveLength(1);
    expect(c.pendingCount()).toBe(1);
    failing = false;
    // A later offset of the same partition arrived meanwhile: the retry carries the higher one.
    c.add('orders', 0, 9n);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(commits.at(-1)).toEqual([{ topic: 'orders', partition: 0, offset: '9' }]);
    expect(c.pendingCount()).toBe(0);
    // Nothing left: no more commits however long we wait.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(commits).toHaveLength(2);
    c.close();
  });

  it('forgets pending offsets at a rebalance, and does not put back a failed commit from before it', async () => {
    const commits: Offsets[] = [];
    let fail: (() => void) | null = null;
    const c = createCommitter({
      intervalMs: 1_000,
      commit: (o) => {
        commits.push(o);
        return new Promise<void>((resolve, reject) => {
          fail = () => reject(new Error('REBALANCE_IN_PROGRESS'));
          if (commits.length > 1) resolve();
        });
      },
      onError: () => {},
    });
    c.add('orders', 0, 3n);
    const first = c.flush(); // in flight when the rebalance comes
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toHaveLength(1);
    c.add('orders', 1, 4n);
    c.reset();
    (fail as unknown as () => void)();
    await first;
    expect(c.pendingCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(commits).toHaveLength(1);
    c.close();
  });
});
