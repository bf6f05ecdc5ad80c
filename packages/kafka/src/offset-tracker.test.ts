import { describe, expect, it } from 'vitest';
import { createOffsetTracker } from './offset-tracker.ts';

function harness() {
  const commits: string[] = [];
  const tracker = createOffsetTracker((topic, partition, next) =>
    commits.push(`${topic}/${partition}@${next}`),
  );
  return { tracker, commits };
}

describe('createOffsetTracker', () => {
  it('commits a partition only over an unbroken run of finished parts', () => {
    const { tracker, commits } = harness();
    const p1 = tracker.add('orders', 0, 0n, 10n); // offsets 0..9
    const p2 = tracker.add('orders', 0, 10n, 20n);
    const p3 = tracker.add('orders', 0, 20n, 30n);
    tracker.settle(p3, 'done');
    tracker.settle(p2, 'done');
    expect(commits).toEqual([]); // 0..9 still in hand
    tracker.settle(p1, 'done');
    expect(commits).toEqual(['orders/0@30']);
    expect(tracker.inHand()).toBe(0);
  });

  it('keeps partitions apart', () => {
    const { tracker, commits } = harness();
    const a = tracker.add('orders', 0, 0n, 5n);
    const b = tracker.add('orders', 1, 0n, 7n);
    tracker.settle(b, 'done');
    expect(commits).toEqual(['orders/1@7']);
    tracker.settle(a, 'done');
    expect(commits).toEqual(['orders/1@7', 'orders/0@5']);
  });

  it('a part given up sends the partition back to its oldest unfinished part, and never commits past it', () => {
    const { tracker, commits } = harness();
    const p1 = tracker.add('orders', 0, 0n, 10n);
    const p2 = tracker.add('orders', 0, 10n, 20n);
    const p3 = tracker.add('orders', 0, 20n, 30n);
    tracker.settle(p1, 'done');
    expect(commits).toEqual(['orders/0@10']);
    // p3 given up while p2 still runs: fetch again from p2's first offset, not p3's.
    expect(tracker.settle(p3, 'aborted')).toBe(10n);
    // p2 finishing later belongs to the old record: it commits nothing (it is fetched again).
    expect(tracker.settle(p2, 'done')).toBeNull();
    expect(commits).toEqual(['orders/0@10']);
    // The partition's fresh record, from the rewind, commits as usual.
    tracker.settle(tracker.add('orders', 0, 10n, 30n), 'done');
    expect(commits).toEqual(['orders/0@10', 'orders/0@30']);
  });

  it('ignores the parts of an earlier generation (a rebalance redelivers them)', () => {
    const { tracker, commits } = harness();
    const old = tracker.add('orders', 0, 0n, 10n);
    tracker.reset();
    const fresh = tracker.add('orders', 0, 0n, 4n);
    expect(tracker.settle(old, 'aborted')).toBeNull();
    tracker.settle(old, 'done');
    expect(commits).toEqual([]);
    tracker.settle(fresh, 'done');
    expect(commits).toEqual(['orders/0@4']);
  });
});
