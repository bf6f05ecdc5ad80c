/** What the dashboard knows of a consumer group at one poll. */
export interface GroupView {
  groupId: string;
  state: string;
  members: { memberId: string; clientId: string; assignment: Record<string, number[]> }[];
}

export interface RebalanceEvent {
  at: string;
  groupId: string;
  /** Member count before and after. */
  from: number;
  to: number;
  /** Client ids of the members that joined / left. */
  joined: string[];
  left: string[];
  /** Partitions changed hands among the members that stayed. */
  reassigned: boolean;
  /** One line for people: "payment: 1 → 3 members (2 joined); partitions reassigned". */
  summary: string;
}

/** The last stable view of each group, and which groups were seen mid-rebalance since. */
export interface RebalanceTracker {
  baseline: Map<string, GroupView>;
  seenRebalancing: Set<string>;
}

export const newRebalanceTracker = (): RebalanceTracker => ({
  baseline: new Map(),
  seenRebalancing: new Set(),
});

const assignmentKey = (a: Record<string, number[]>) =>
  Object.keys(a)
    .sort()
    .map((t) => `${t}:${[...(a[t] ?? [])].sort((x, y) => x - y).join(',')}`)
    .join(';');

/** A group is mid-rebalance while its members rejoin and wait for their new partitions. */
export const isRebalancing = (state: string) =>
  state === 'PreparingRebalance' || state === 'CompletingRebalance';

/**
 * Compares this poll of the consumer groups with the last stable view of each and reports every
 * rebalance that completed in between: a member joined or left, or the partitions were dealt
 * again. kafkajs' DescribeGroups does not return the generation id, so changes of members and
 * assignments are what we can see; a group caught mid-rebalance is reported once it is stable
 * again (its new assignment is known then). A group seen for the first time is not a rebalance:
 * the dashboard only started watching it. Updates the tracker in place.
 */
export function detectRebalances(tracker: RebalanceTracker, groups: GroupView[], at: Date): RebalanceEvent[] {
  const events: RebalanceEvent[] = [];
  for (const group of groups) {
    if (isRebalancing(group.state)) {
      tracker.seenRebalancing.add(group.groupId);
      continue;
    }
    const prev = tracker.baseline.get(group.groupId);
    tracker.baseline.set(group.groupId, group);
    const sawRebalance = tracker.seenRebalancing.delete(group.groupId);
    if (!prev) continue;
    const prevIds = new Set(prev.members.map((m) => m.memberId));
    const nextIds = new Set(group.members.map((m) => m.memberId));
    const joined = group.members.filter((m) => !prevIds.has(m.memberId));
    const left = prev.members.filter((m) => !nextIds.has(m.memberId));
    const prevAssign = new Map(prev.members.map((m) => [m.memberId, assignmentKey(m.assignment)]));
    const reassigned = group.members.some(
      (m) => prevIds.has(m.memberId) && prevAssign.get(m.memberId) !== assignmentKey(m.assignment),
    );
    if (joined.length === 0 && left.length === 0 && !reassigned && !sawRebalance) continue;

    const changes = [
      joined.length > 0 ? `${joined.length} joined` : '',
      left.length > 0 ? `${left.length} left` : '',
    ].filter(Boolean);
    let summary = `${group.groupId}: ${prev.members.length} → ${group.members.length} members`;
    if (changes.length > 0) summary += ` (${changes.join(', ')})`;
    if (reassigned || joined.length > 0 || left.length > 0) summary += '; partitions reassigned';
    else summary += '; same members kept their partitions';
    events.push({
      at: at.toISOString(),
      groupId: group.groupId,
      from: prev.members.length,
      to: group.members.length,
      joined: joined.map((m) => m.clientId),
      left: left.map((m) => m.clientId),
      reassigned,
      summary,
    });
  }
  return events;
}
