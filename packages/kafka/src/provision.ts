import { dlqTopic } from '@akaso/contracts';
import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export const provisionDefaults = {
  partitions: 12,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  dlqPartitions: 3,
} as const;

/** The pipeline's topics plus a dead-letter companion for each, with the design's durability. */
export function pipelineTopicSpecs(
  names: readonly string[],
  opts: Partial<typeof provisionDefaults> = {},
): TopicSpec[] {
  const o = { ...provisionDefaults, ...opts };
  const config = { 'min.insync.replicas': String(o.minInsyncReplicas) };
  return names.flatMap((topic) => [
    { topic, partitions: o.partitions, replicationFactor: o.replicationFactor, config },
    { topic: dlqTopic(topic), partitions: o.dlqPartitions, replicationFactor: o.replicationFactor, config },
  ]);
}

export class ProvisioningError extends Error {
  readonly code = 'PROVISIONING_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

/**
 * Idempotent: creates what is missing, grows partitions that are too few, and fails clearly if
 * the cluster cannot hold the replication factor or an existing topic was made differently.
 * Run by every service at start-up, so the order in which services start does not matter.
 */
export async function provisionTopics(admin: Admin, specs: TopicSpec[]): Promise<{ created: string[] }> {
  const { brokers } = await admin.describeCluster();
  const neededBrokers = Math.max(...specs.map((s) => s.replicationFactor));
  if (brokers.length < neededBrokers) {
    throw new ProvisioningError(
      `replication factor ${neededBrokers} needs ${neededBrokers} brokers, the cluster has ${brokers.length} (${brokers.map((b) => b.nodeId).join(', ')})`,
    );
  }
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor: s.replicationFactor,
      configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
    }));
    // Another service may create the same topic concurrently: kafkajs reports that as "already
    // exists", which createTopics turns into `false`; both outcomes are fine.
    await admin.createTopics({ topics, waitForLeaders: true });
  }
  const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
  for (const spec of specs) {
    const topic = meta.topics.find((t) => t.name === spec.topic);
    if (!topic) throw new ProvisioningError(`topic ${spec.topic} is missing after provisioning`);
    const rf = Math.min(...topic.partitions.map((p) => p.replicas.length));
    if (rf < spec.replicationFactor) {
      throw new ProvisioningError(
        `topic ${spec.topic} has replication factor ${rf}, expected ${spec.replicationFactor}: delete and re-provision it`,
      );
    }
    if (topic.partitions.length < spec.partitions) {
      // Growing partitions remaps keys; acceptable only because it is a deliberate provisioning step.
      await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.partitions }] });
    }
  }
  return { created: missing.map((s) => s.topic) };
}
