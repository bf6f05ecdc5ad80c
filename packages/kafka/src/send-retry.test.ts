import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// A unit test of our kafkajs patch (infra/patches/kafkajs@2.2.4.patch), on kafkajs' own
// sendMessages with a scripted cluster: no broker is needed to replay the exact interleaving.
const require = createRequire(import.meta.url);
const kafkajsRoot = require.resolve('kafkajs').replace(/index\.js$/, '');
const createSendMessages = require(`${kafkajsRoot}src/producer/sendMessages.js`);
const createRetry = require(`${kafkajsRoot}src/retry/index.js`);
const { createErrorFromCode } = require(`${kafkajsRoot}src/protocol/error.js`);
const NOT_LEADER_FOR_PARTITION = 6;

interface ProduceCall {
  nodeId: number;
  partitions: number[];
}

function scriptedCluster() {
  // Partition 0 is led by broker 1 and partition 1 by broker 2, until an election moves
  // partition 0 to broker 2: broker 1 then answers NOT_LEADER for it.
  let leaders: Record<number, number> = { 0: 1, 1: 2 };
  const calls: ProduceCall[] = [];
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({
      topicData,
    }: {
      topicData: { topic: string; partitions: { partition: number }[] }[];
    }) => {
      const partitions = topicData.flatMap((t) => t.partitions.map((p) => p.partition));
      calls.push({ nodeId, partitions });
      if (partitions.some((p) => leaders[p] !== nodeId)) throw createErrorFromCode(NOT_LEADER_FOR_PARTITION);
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })),
        })),
      };
    },
  });
  const brokers: Record<number, ReturnType<typeof broker>> = { 1: broker(1), 2: broker(2) };
  const cluster = {
    targetTopics: new Set<string>(),
    addMultipleTargetTopics: async () => {},
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {},
    isConnected: () => true,
    findTopicPartitionMetadata: () => [
      { partitionId: 0, leader: leaders[0] },
      { partitionId: 1, leader: leaders[1] },
    ],
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders[p] ?? -1] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers[Number(nodeId)],
  };
  return {
    cluster,
    calls,
    elect: () => {
      leaders = { 0: 2, 1: 2 };
    },
  };
}

const eosManager = {
  acquireBrokerLock: async () => {},
  releaseBrokerLock: async () => {},
  isTransactional: () => false,
  getSequence: () => 0,
  updateSequence: () => {},
  getProducerId: () => -1,
  getProducerEpoch: () => 0,
};
const logger = { debug() {}, error() {}, warn() {}, info() {} };

describe('kafkajs send retries (patched)', () => {
  it('re-sends the partitions that moved to a broker which already acknowledged its part of the batch', async () => {
    const { cluster, calls, elect } = scriptedCluster();
    elect(); // the election happened; the producer's metadata still says broker 1 leads partition 0
    let stale = true;
    cluster.findLeaderForPartitions = ((real) => (topic: string, partitions: string[]) => {
      if (!stale) return real(topic, partitions);
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[p === 0 ? 1 : 2] ??= []).push(p);
      return out;
    })(cluster.findLeaderForPartitions);
    cluster.refreshMetadata = async () => {
      stale = false;
    };
    const send = createSendMessages({
      logger: { ...logger, namespace: () => logger },
      cluster,
      partitioner: ({ message }: { message: { key: string } }) => Number(message.key),
      eosManager,
      retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    const result = (await send({
      acks: -1,
      timeout: 1000,
      topicMessages: [
        {
          topic: 't',
          messages: [
            { key: '0', value: 'a' },
            { key: '1', value: 'b' },
          ],
        },
      ],
    })) as { partition: number }[];

    // First attempt: broker 1 refuses partition 0, broker 2 takes partition 1. The retry must
    // send partition 0 to broker 2 (upstream skipped broker 2 because it had answered once).
    expect(calls.filter((c) => c.nodeId === 2).map((c) => c.partitions)).toEqual([[1], [0]]);
    expect(result.map((r) => r.partition).sort()).toEqual([0, 1]);
  });
});
