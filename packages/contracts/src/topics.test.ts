import { describe, expect, it } from 'vitest';
import { allTopics, groupsReading, groupTopics } from './topics.ts';

describe('groupTopics', () => {
  it('every topic of the pipeline is read by at least one group, and every group reads topics', () => {
    for (const topic of allTopics) expect(groupsReading(topic).length).toBeGreaterThan(0);
    for (const read of Object.values(groupTopics)) expect(read.length).toBeGreaterThan(0);
  });

  it('groupsReading inverts the map', () => {
    expect(groupsReading('payments').sort()).toEqual(['email', 'inventory', 'order-status']);
    expect(groupsReading('orders')).toEqual(['inventory']);
    expect(groupsReading('orders.dlq')).toEqual([]);
  });
});
