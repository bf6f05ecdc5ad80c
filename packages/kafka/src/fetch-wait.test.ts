import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// A unit test of our kafkajs patch (infra/patches/kafkajs@2.2.4.patch), hunk "fetchWait": on
// kafkajs' own ConsumerGroup.fetch with a scripted broker, the wait and minBytes of each Fetch
// request come from the consumer's fetchWait(nodeId) when it answers, and from the configured
// maxWaitTimeInMs/minBytes when it returns null. No broker is needed to see the request.
const require = createRequire(import.meta.url);
const kafkajsRoot = require.resolve('kafkajs').replace(/index\.js$/, '');
const ConsumerGroup = require(`${kafkajsRoot}src/consumer/consumerGroup.js`);

interface FetchArgs {
  maxWaitTime: number;
  minBytes: number;
}

function scriptedGroup(fetchWait: ((nodeId: number) => FetchArgs | null) | null) {
  const requests: (FetchArgs & { nodeId: number })[] = [];
  // Only what fetch() reads: one assigned partition led by broker 1, already positioned.
  const group = Object.assign(Object.create(ConsumerGroup.prototype), {
    maxWaitTime: 5_000,
    minBytes: 1,
    maxBytes: 10_485_760,
    maxBytesPerPartition: 1_048_576,
    isolationLevel: 1,
    rackId: '',
    fetchWait,
    groupId: 'g',
    logger: { info() {}, debug() {}, warn() {}, error() {} },
    preferredReadReplicasPerTopicPartition: {},
    seekOffset: { has: () => false },
    subscriptionState: { assigned: () => [{ topic: 't', partitions: [0] }], isPaused: () => false },
    cluster: {
      refreshMetadataIfNecessary: async () => {},
      findBroker: async ({ nodeId }: { nodeId: number }) => ({
        fetch: async (args: FetchArgs) => {
          requests.push({ nodeId, maxWaitTime: args.maxWaitTime, minBytes: args.minBytes });
          return { responses: [] };
        },
      }),
    },
    offsetManager: {
      committedOffsets: () => ({ t: { 0: '0' } }),
      nextOffset: () => ({ toString: () => '0' }),
    },
  });
  group.checkForStaleAssignment = () => {};
  group.filterPartitionsByNode = (_nodeId: number, tps: unknown) => tps;
  group.seekOffsets = async () => {};
  group.getActiveTopicPartitions = () => ({ t: new Set([0]) });
  return { group, requests };
}

describe('kafkajs ConsumerGroup.fetch (patched: fetchWait)', () => {
  it("uses the consumer's per-fetch wait when it gives one, the configured one when it returns null", async () => {
    let held = true;
    const { group, requests } = scriptedGroup(() =>
      held ? { maxWaitTime: 120, minBytes: 1_048_576 } : null,
    );
    await group.fetch(1);
    held = false;
    await group.fetch(1);
    expect(requests).toEqual([
      { nodeId: 1, maxWaitTime: 120, minBytes: 1_048_576 },
      { nodeId: 1, maxWaitTime: 5_000, minBytes: 1 },
    ]);
  });

  it('without fetchWait, every fetch uses the configured wait (upstream behaviour)', async () => {
    const { group, requests } = scriptedGroup(null);
    await group.fetch(2);
    expect(requests).toEqual([{ nodeId: 2, maxWaitTime: 5_000, minBytes: 1 }]);
  });
});
