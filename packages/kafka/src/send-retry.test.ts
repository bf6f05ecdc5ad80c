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

/** Leader of each partition: `actual` is the truth, `known` what the producer's metadata says. */
function scriptedCluster() {
  // An election has just moved partition 0 from broker 1 to broker 2; the producer's metadata
  // does not know yet, so broker 1 answers NOT_LEADER until the metadata is refreshed.
  const actual: Record<number, number> = { 0: 2, 1: 2 };
  let known: Record<number, number> = { 0: 1, 1: 2 };
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
      if (partitions.some((p) => actual[p] !== nodeId)) throw createErrorFromCode(NOT_LEADER_FOR_PARTITION);
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
    refreshMetadata: async () => {
      known = { ...actual };
    },
    isConnected: () => true,
    findTopicPartitionMetadata: () => [
      { partitionId: 0, leader: known[0] },
      { partitionId: 1, leader: known[1] },
    ],
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) {
        const leader = known[p] ?? -1;
        out[leader] = [...(out[leader] ?? []), p];
      }
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers[Number(nodeId)],
  };
  return { cluster, calls };
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
    const { cluster, calls } = scriptedCluster();
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
