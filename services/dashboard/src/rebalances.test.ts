import { describe, expect, it } from 'vitest';
import { detectRebalances, type GroupView, newRebalanceTracker } from './rebalances.ts';

const member = (id: string, partitions: number[]) => ({
  memberId: id,
  clientId: `payment-${id}`,
  assignment: { inventory: partitions },
});
const group = (state: string, members: GroupView['members']): GroupView => ({
  groupId: 'payment',
  state,
  members,
});
const t = (s: number) => new Date(Date.UTC(2026, 11, 24, 12, 0, s));

describe('detectRebalances', () => {
  it('reports nothing for the first sight of a group, nor while nothing changes', () => {
    const tracker = newRebalanceTracker();
    const one = group('Stable', [member('a', [0, 1, 2, 3])]);
    expect(detectRebalances(tracker, [one], t(0))).toEqual([]);
    expect(detectRebalances(tracker, [group('Stable', [member('a', [3, 2, 1, 0])])], t(1))).toEqual([]);
  });

  it('reports a member joining once the group is stable again, with the new count', () => {
    const tracker = newRebalanceTracker();
    detectRebalances(tracker, [group('Stable', [member('a', [0, 1, 2, 3])])], t(0));
    // Mid-rebalance: not reported yet, the baseline stays the last stable view.
    expect(detectRebalances(tracker, [group('PreparingRebalance', [member('a', [])])], t(1))).toEqual([]);
    const events = detectRebalances(
      tracker,
      [group('Stable', [member('a', [0, 1]), member('b', [2, 3])])],
      t(2),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      at: t(2).toISOString(),
      groupId: 'payment',
      from: 1,
      to: 2,
      joined: ['payment-b'],
      left: [],
      reassigned: true,
    });
    expect(events[0]?.summary).toBe('payment: 1 → 2 members (1 joined); partitions reassigned');
  });

  it('reports members leaving, down to an empty group', () => {
    const tracker = newRebalanceTracker();
    detectRebalances(tracker, [group('Stable', [member('a', [0, 1]), member('b', [2, 3])])], t(0));
    const [left] = detectRebalances(tracker, [group('Stable', [member('a', [0, 1, 2, 3])])], t(1));
    expect(left).toMatchObject({ from: 2, to: 1, left: ['payment-b'] });
    const [empty] = detectRebalances(tracker, [group('Empty', [])], t(2));
    expect(empty?.summary).toBe('payment: 1 → 0 members (1 left); partitions reassigned');
  });

  it('reports a rebalance it saw happen even when everyone kept their partitions', () => {
    const tracker = newRebalanceTracker();
    detectRebalances(tracker, [group('Stable', [member('a', [0, 1])])], t(0));
    detectRebalances(tracker, [group('CompletingRebalance', [member('a', [])])], t(1));
    const [event] = detectRebalances(tracker, [group('Stable', [member('a', [0, 1])])], t(2));
    expect(event?.summary).toBe('payment: 1 → 1 members; same members kept their partitions');
  });

  it('keeps groups apart', () => {
    const tracker = newRebalanceTracker();
    const email: GroupView = { groupId: 'email', state: 'Stable', members: [member('e', [0])] };
    detectRebalances(tracker, [group('Stable', [member('a', [0])]), email], t(0));
    const events = detectRebalances(
      tracker,
      [group('Stable', [member('a', [0])]), { ...email, members: [] }],
      t(1),
    );
    expect(events.map((e) => e.groupId)).toEqual(['email']);
  });
});
