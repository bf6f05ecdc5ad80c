import { describe, expect, it } from 'vitest';
import { busiestLeader, deliveryOutcome, partitionSkew, strictlyIncreasing } from './analysis.ts';

const p = (leader: number, partition = 0, topic = 'orders') => ({ topic, partition, leader });

describe('busiestLeader', () => {
  it('picks the broker leading the most partitions', () => {
    const r = busiestLeader([p(1), p(2), p(2), p(3), p(2), p(1)]);
    expect(r.brokerId).toBe(2);
    expect(r.counts.get(1)).toBe(2);
  });
  it('breaks ties by the lowest id and ignores leaderless partitions', () => {
    expect(busiestLeader([p(3), p(2), p(-1), p(-1), p(-1)]).brokerId).toBe(2);
  });
  it('refuses an empty or leaderless list with a clear error', () => {
    expect(() => busiestLeader([])).toThrow(/no partitions/);
    expect(() => busiestLeader([p(-1)])).toThrow(/no partition has a leader/);
  });
});

describe('partitionSkew', () => {
  it('is 1 for an even spread and n for everything on one of n partitions', () => {
    expect(partitionSkew([5, 5, 5, 5]).ratio).toBe(1);
    const hot = partitionSkew([0, 0, 40, 0]);
    expect(hot.ratio).toBe(4);
    expect(hot.hottestPartition).toBe(2);
  });
  it('handles no messages and rejects nonsense', () => {
    expect(partitionSkew([0, 0]).ratio).toBe(0);
    expect(() => partitionSkew([])).toThrow();
    expect(() => partitionSkew([1, -1])).toThrow(/non-negative/);
  });
});

describe('deliveryOutcome', () => {
  it('counts lost ids and extra deliveries', () => {
    expect(deliveryOutcome([1, 2, 3, 4], [1, 2, 2, 3, 3, 3])).toEqual({
      lost: [4],
      duplicates: 3,
      distinct: 3,
    });
    expect(deliveryOutcome([1, 2], [2, 1])).toEqual({ lost: [], duplicates: 0, distinct: 2 });
  });
});

describe('strictlyIncreasing', () => {
  it('compares offsets as big integers, not strings', () => {
    expect(strictlyIncreasing(['9', '10', '11'])).toBe(true);
    expect(strictlyIncreasing(['10', '9'])).toBe(false);
    expect(strictlyIncreasing(['3', '3'])).toBe(false);
    expect(strictlyIncreasing([])).toBe(true);
  });
});
