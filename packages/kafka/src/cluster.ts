import { type Admin, AssignerProtocol } from 'kafkajs';

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterState {
  controllerId: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
  partitions: PartitionState[];
}

/** One snapshot of who is up and who leads what: what the health check, tests and dashboard read. */
export async function describeClusterState(admin: Admin, topics: string[] = []): Promise<ClusterState> {
  const cluster = await admin.describeCluster();
  const partitions: PartitionState[] = [];
  if (topics.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics });
    for (const t of meta.topics) {
      for (const p of t.partitions) {
        partitions.push({
          topic: t.name,
          partition: p.partitionId,
          leader: p.leader,
          replicas: [...p.replicas].sort((a, b) => a - b),
          isr: [...p.isr].sort((a, b) => a - b),
        });
      }
    }
  }
  return {
    controllerId: cluster.controller,
    brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
    partitions,
  };
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  /** topic → partitions this member owns */
  assignment: Record<string, number[]>;
}

/** Members of a consumer group and the partitions each one owns (for tests and the dashboard). */
export async function describeGroupMembers(
  admin: Admin,
  groupId: string,
): Promise<{ state: string; members: GroupMember[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return {
    state: group?.state ?? 'Unknown',
    members: (group?.members ?? []).map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      assignment:
        m.memberAssignment.length > 0
          ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})
          : {},
    })),
  };
}
