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
    const p1 = tracker.add('orders', 0, 10n); // offsets 0..9
    const p2 = tracker.add('orders', 0, 20n);
    const p3 = tracker.add('orders', 0, 30n);
    tracker.settle(p3, 'done');
    tracker.settle(p2, 'done');
    expect(commits).toEqual([]); // 0..9 still in hand
    tracker.settle(p1, 'done');
    expect(commits).toEqual(['orders/0@30']);
    expect(tracker.inHand()).toBe(0);
  });

  it('keeps partitions apart', () => {
    const { tracker, commits } = harness();
    const a = tracker.add('orders', 0, 5n);
    const b = tracker.add('orders', 1, 7n);
    tracker.settle(b, 'done');
    expect(commits).toEqual(['orders/1@7']);
    tracker.settle(a, 'done');
    expect(commits).toEqual(['orders/1@7', 'orders/0@5']);
  });

  it('never commits past an aborted part', () => {
    const { tracker, commits } = harness();
    const p1 = tracker.add('orders', 0, 10n);
    const p2 = tracker.add('orders', 0, 20n);
    tracker.settle(p1, 'aborted');
    tracker.settle(p2, 'done');
    expect(commits).toEqual([]);
  });

  it('ignores the parts of an earlier generation (a rebalance redelivers them)', () => {
    const { tracker, commits } = harness();
    const old = tracker.add('orders', 0, 10n);
    tracker.reset();
    const fresh = tracker.add('orders', 0, 4n);
    tracker.settle(old, 'done');
    expect(commits).toEqual([]);
    tracker.settle(fresh, 'done');
    expect(commits).toEqual(['orders/0@4']);
  });
});
