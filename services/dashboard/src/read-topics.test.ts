import type { Admin } from '@akaso/kafka';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { readTopics, topicView } from './read-topics.ts';
import { SnapshotBody } from './snapshot.ts';

type Metadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'][number];
type Offsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

const healthy = (partitionId: number, leader = partitionId + 1) => ({
  partitionId,
  leader,
  partitionErrorCode: 0,
  replicas: [1, 2, 3],
  isr: [3, 1, 2],
  offlineReplicas: [],
});

const ends = (...highs: number[]): Offsets =>
  highs.map((high, partition) => ({ partition, offset: String(high), high: String(high), low: '0' }));

/** The TypeError kafkajs's fetchTopicOffsets throws when its metadata has no leader for a partition. */
function kafkajsLeaderlessError(): TypeError {
  const high: { partitions: unknown }[] = [];
  try {
    const { partitions } = high.pop() as { partitions: unknown };
    return new TypeError(`unreachable ${String(partitions)}`);
  } catch (err) {
    return err as TypeError;
  }
}

/** A stand-in admin client answering as the cluster did during a leadership move. */
function admin(answers: {
  topics?: () => Promise<string[]>;
  metadata?: (topics: string[]) => Promise<{ topics: Metadata[] }>;
  offsets: (topic: string) => Promise<Offsets>;
}): Admin {
  const topics = ['orders', 'orders.dlq', 'payments'];
  const metadata = async (names: string[]) => ({
    topics: names.map((name) => ({ name, partitions: [healthy(0), healthy(1), healthy(2)] })),
  });
  return {
    listTopics: answers.topics ?? (async () => ['__consumer_offsets', ...topics]),
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) =>
      (answers.metadata ?? metadata)(names),
    fetchTopicOffsets: answers.offsets,
  } as unknown as Admin;
}

describe('readTopics during a leadership move', () => {
  it('shows the others and marks a topic unknown when kafkajs trips over a partition without a leader', async () => {
    const errors: string[] = [];
    const topics = await readTopics(
      admin({
        offsets: async (t) => {
          if (t === 'orders') throw kafkajsLeaderlessError();
          return ends(5, 6, 7);
        },
      }),
      errors,
    );
    expect(topics.map((t) => t.name)).toEqual(['orders', 'orders.dlq', 'payments']);
    const orders = topics.find((t) => t.name === 'orders');
    expect(orders?.messages).toBeNull();
    expect(orders?.partitions.map((p) => p.endOffset)).toEqual([null, null, null]);
    expect(orders?.partitions.map((p) => p.leader)).toEqual([1, 2, 3]);
    expect(topics.find((t) => t.name === 'payments')?.messages).toBe(18);
    expect(errors).toEqual([
      'end offsets of orders unknown: some partitions have no known leader right now (retried next refresh)',
    ]);
    expect(errors.join()).not.toMatch(/TypeError|Cannot destructure|undefined/);
  });

  it('marks unknown only the partitions a partial or empty offsets answer leaves out', async () => {
    const errors: string[] = [];
    const topics = await readTopics(
      admin({ offsets: async (t) => (t === 'orders' ? ends(4, 9) : t === 'payments' ? [] : ends(1, 0, 0)) }),
      errors,
    );
    const orders = topics.find((t) => t.name === 'orders');
    expect(orders?.partitions.map((p) => p.endOffset)).toEqual([4, 9, null]);
    expect(orders?.messages).toBeNull();
    expect(topics.find((t) => t.name === 'payments')?.partitions.map((p) => p.endOffset)).toEqual([
      null,
      null,
      null,
    ]);
    expect(topics.find((t) => t.name === 'orders.dlq')?.messages).toBe(1);
    expect(errors).toEqual([]);
  });

  it('shows a partition without a leader as offline and a topic without partitions as unknown', async () => {
    const errors: string[] = [];
    const topics = await readTopics(
      admin({
        metadata: async (names) => ({
          topics: names.map((name) => ({
            name,
            partitions:
              name === 'payments'
                ? [] // a topic being created: listed, its partitions not yet in the metadata
                : [healthy(0), { ...healthy(1), leader: -1, isr: [] }, healthy(2)],
          })),
        }),
        offsets: async (t) => (t === 'payments' ? [] : ends(3, 2, 1).filter((o) => o.partition !== 1)),
      }),
      errors,
    );
    const orders = topics.find((t) => t.name === 'orders');
    expect(orders?.partitions[1]).toMatchObject({
      leader: -1,
      isr: [],
      underReplicated: true,
      endOffset: null,
    });
    expect(orders?.underReplicated).toBe(1);
    expect(orders?.messages).toBeNull();
    const payments = topics.find((t) => t.name === 'payments');
    expect(payments).toMatchObject({ partitions: [], messages: null });
    expect(errors).toEqual([]);
  });

  it('asks topic by topic when the metadata request fails, and reports only the topic that still fails', async () => {
    const errors: string[] = [];
    const unknownTopic = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    const topics = await readTopics(
      admin({
        metadata: async (names) => {
          if (names.includes('payments')) throw unknownTopic;
          return { topics: names.map((name) => ({ name, partitions: [healthy(0)] })) };
        },
        offsets: async () => ends(8),
      }),
      errors,
    );
    expect(topics.find((t) => t.name === 'orders')).toMatchObject({
      messages: 8,
      partitions: [{ endOffset: 8 }],
    });
    expect(topics.find((t) => t.name === 'payments')).toMatchObject({ messages: null, partitions: [] });
    expect(errors).toEqual([
      'partitions of payments unknown: This server does not host this topic-partition',
    ]);
  });

  it('shows no topics and says why when they cannot be listed', async () => {
    const errors: string[] = [];
    const topics = await readTopics(
      admin({
        topics: async () => {
          throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
        },
        offsets: async () => ends(1),
      }),
      errors,
    );
    expect(topics).toEqual([]);
    expect(errors).toEqual(['topics: Connection error: connect ECONNREFUSED 127.0.0.1:19092']);
  });
});

describe('topicView', () => {
  const meta: Metadata = { name: 'orders', partitions: [healthy(1), healthy(0)] };

  it('sums the end offsets when every partition is known, in partition order', () => {
    const view = topicView('orders', meta, [
      { partition: 1, offset: '7', high: '7', low: '2' },
      { partition: 0, offset: '5', high: '5', low: '0' },
    ]);
    expect(view.partitions.map((p) => [p.partition, p.startOffset, p.endOffset])).toEqual([
      [0, 0, 5],
      [1, 2, 7],
    ]);
    expect(view.messages).toBe(12);
  });

  it('reads an offset that is not a count as unknown', () => {
    const view = topicView('orders', meta, [
      { partition: 0, offset: '-1', high: '-1', low: '0' },
      { partition: 1, offset: '', high: '', low: '' },
    ]);
    expect(view.partitions.map((p) => [p.startOffset, p.endOffset])).toEqual([
      [0, null],
      [null, null],
    ]);
    expect(view.messages).toBeNull();
  });

  it('is a valid part of the snapshot with unknowns in it', () => {
    const topics = [topicView('orders', undefined, null), topicView('orders.dlq', meta, ends(0))];
    const snapshotTopics = Type.Index(SnapshotBody, ['topics']);
    expect(Value.Check(snapshotTopics, topics)).toBe(true);
  });
});
