import { describe, expect, it } from 'vitest';
import { createCommitter } from './committer.ts';

describe('createCommitter', () => {
  it('sends the highest offset per partition, in one request, at most once per interval', async () => {
    const commits: { topic: string; partition: number; offset: string }[][] = [];
    const c = createCommitter({
      intervalMs: 50,
      commit: async (o) => void commits.push(o),
      onError: () => {},
    });
    c.add('orders', 1, 10n);
    c.add('orders', 1, 12n);
    c.add('orders', 1, 11n); // never backwards
    c.add('payments', 3, 5n);
    await new Promise((r) => setTimeout(r, 20));
    expect(commits).toHaveLength(1); // the first commit goes at once
    c.add('orders', 1, 20n);
    await new Promise((r) => setTimeout(r, 10));
    expect(commits).toHaveLength(1); // the second waits for the interval
    await new Promise((r) => setTimeout(r, 80));
    expect(commits).toEqual([
      [
        { topic: 'orders', partition: 1, offset: '12' },
        { topic: 'payments', partition: 3, offset: '5' },
      ],
      [{ topic: 'orders', partition: 1, offset: '20' }],
    ]);
  });

  it('flushes what is pending at once (graceful stop), and reports a failed commit', async () => {
    const errors: unknown[] = [];
    const c = createCommitter({
      intervalMs: 60_000,
      commit: async () => {
        throw new Error('REBALANCE_IN_PROGRESS');
      },
      onError: (e) => void errors.push(e),
    });
    c.add('orders', 0, 1n);
    await c.flush();
    c.add('orders', 0, 2n);
    await c.flush();
    expect(errors).toHaveLength(2);
    expect(c.pendingCount()).toBe(0);
    c.close();
  });
});
