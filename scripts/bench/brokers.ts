/**
 * Broker settings a bench can compare in one go (--kafka-props default,batched): the brokers are
 * restarted one at a time with each set, so the cluster stays available and the services stay up.
 */
import { allTopics, dlqTopic } from '@akaso/contracts';
import {
  createKafka,
  describeClusterState,
  kafkaClientOptions,
  loadKafkaConfig,
  withAdmin,
} from '@akaso/kafka';
import { bootstrapServers, kafka as topology } from '@akaso/stack-client';
import { envOverrides, kafkaHealth, nodeName, startKafkaNode } from '../stack/kafka.ts';
import { type Reporter, stopProcess, waitFor } from '../stack/proc.ts';

/** Named broker property sets. */
export const brokerSettings: Record<string, Record<string, string>> = {
  // The repository's settings (scripts/stack/kafka.ts), as `pnpm start` runs them: Kafka's own
  // replication defaults (a follower's fetch answers at the first byte, or after 500 ms).
  default: {},
  // Followers fetching in batches (64 KiB or 100 ms), the setting this repository ran before:
  // fewer replication requests, an acks=all write waiting up to 100 ms.
  batched: { 'replica.fetch.min.bytes': '65536', 'replica.fetch.wait.max.ms': '100' },
};

export interface BrokerVariant {
  name: string;
  props: Record<string, string>;
}

/** The variants --kafka-props names, the first the baseline; none when the flag is absent. */
export function parseKafkaVariants(flag: string | undefined): BrokerVariant[] {
  if (flag === undefined) return [];
  return flag.split(',').map((name) => {
    const props = brokerSettings[name.trim()];
    if (!props) {
      throw new Error(
        `--kafka-props expects names of ${Object.keys(brokerSettings).join(', ')}; got ${name}`,
      );
    }
    return { name: name.trim(), props };
  });
}

const pipelineTopics = allTopics.flatMap((t) => [t, dlqTopic(t)]);

/** Every broker registered and every partition of the pipeline with all three replicas in sync. */
async function fullyReplicated(): Promise<boolean> {
  if (!(await kafkaHealth()).healthy) return false;
  const kafka = createKafka(
    kafkaClientOptions(loadKafkaConfig('pnpm bench', bootstrapServers), {
      clientId: 'akaso-bench',
      logLevel: 'nothing',
    }),
  );
  try {
    const state = await withAdmin(kafka, (admin) => describeClusterState(admin, pipelineTopics));
    return state.partitions.every((p) => p.isr.length === topology.nodes.length && p.leader >= 0);
  } catch {
    return false; // an election in progress
  }
}

/** Whether brokers started with `props` run as `pnpm start` would start them (AKASO_KAFKA_PROPS). */
export const usualSettings = (props: Record<string, string>) =>
  JSON.stringify(Object.entries(props).sort()) === JSON.stringify(Object.entries(envOverrides).sort());

/**
 * Restarts the brokers with `props` (undefined: AKASO_KAFKA_PROPS, as `pnpm start` would), one at
 * a time, each only once the cluster is whole again: with min.insync.replicas=2 and acks=all the
 * pipeline keeps running throughout.
 */
export async function restartBrokersWith(props: Record<string, string> | undefined, reporter: Reporter) {
  for (const node of topology.nodes) {
    await stopProcess(nodeName(node), 60_000);
    await startKafkaNode(node, reporter, props);
    await waitFor(`kafka-${node.id} back and every partition in sync`, fullyReplicated, {
      timeoutMs: 180_000,
      intervalMs: 2_000,
    });
  }
}
