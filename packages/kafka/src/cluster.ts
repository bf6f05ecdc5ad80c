import type { Admin } from 'kafkajs';

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
