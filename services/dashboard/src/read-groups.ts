import { type Admin, describeGroupMembers, type GroupMember } from '@akaso/kafka';
import { errorText } from './error-text.ts';
import { computeLag, totalLag } from './lag.ts';
import type { GroupViewBody, TopicView } from './snapshot.ts';

/**
 * The consumer groups with their members, assignments and lag per partition: the pipeline's
 * groups always, other groups while they have members. null when the groups could not be listed at all (e.g. their coordinator just died). */
export async function readGroups(
  a: Admin,
  topics: TopicView[],
  pipelineGroups: string[],
  errors: string[],
): Promise<GroupViewBody[] | null> {
  let described: { groupId: string; state: string; members: GroupMember[] }[];
  try {
    const listed = (await a.listGroups()).groups
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
      .map((g) => g.groupId);
    const ids = [...new Set([...pipelineGroups, ...listed])];
    // One DescribeGroups per group (a handful): members with their assignments decoded.
    described = await Promise.all(
      ids.map(async (groupId) => ({ groupId, ...(await describeGroupMembers(a, groupId)) })),
    );
  } catch (err) {
    errors.push(`consumer groups (showing the last ones read): ${errorText(err)}`);
    return null;
  }
  const shown = described.filter(
    (g) => (pipelineGroups.includes(g.groupId) && g.state !== 'Dead') || g.members.length > 0,
  );
  const order = (id: string) => {
    const i = pipelineGroups.indexOf(id);
    return i === -1 ? pipelineGroups.length : i;
  };
  shown.sort((x, y) => order(x.groupId) - order(y.groupId) || x.groupId.localeCompare(y.groupId));
  return Promise.all(
    shown.map(async (g) => {
      const owners = new Map<string, string>();
      for (const m of g.members) {
        for (const [topic, parts] of Object.entries(m.assignment)) {
          for (const p of parts) owners.set(`${topic}:${p}`, m.memberId);
        }
      }
      const view: GroupViewBody = {
        groupId: g.groupId,
        state: g.state,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.host,
          assignment: Object.fromEntries(
            Object.entries(m.assignment).map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]),
          ),
        })),
        partitions: [],
        totalLag: 0,
      };
      try {
        const committed = await a.fetchOffsets({ groupId: g.groupId });
        const groupTopics = new Set([
          ...committed.map((c) => c.topic),
          ...g.members.flatMap((m) => Object.keys(m.assignment)),
        ]);
        for (const topic of [...groupTopics].sort()) {
          const t = topics.find((x) => x.name === topic);
          if (!t) continue;
          const bounds = t.partitions
            .filter((p) => p.endOffset !== null)
            .map((p) => ({
              partition: p.partition,
              low: String(p.startOffset ?? 0),
              high: String(p.endOffset),
            }));
          const lags = computeLag(bounds, committed.find((c) => c.topic === topic)?.partitions ?? []);
          for (const l of lags) {
            view.partitions.push({ topic, ...l, owner: owners.get(`${topic}:${l.partition}`) ?? null });
          }
        }
        view.totalLag = totalLag(view.partitions);
      } catch (err) {
        view.error = `committed offsets: ${errorText(err)}`;
        errors.push(`${g.groupId}: ${view.error}`);
      }
      return view;
    }),
  );
}
