import type { Kafka } from '@akaso/kafka';
import { describe, expect, it } from 'vitest';
import { createCollector } from './collector.ts';
import type { ReadyzAnswer } from './readiness.ts';

/** A stand-in for the admin API, driven by the test: which brokers are registered, and the offsets. */
function fakeCluster() {
  const state = {
    brokers: [1, 2, 3],
    end: 10,
    committed: 7,
    members: [
      {
        memberId: 'payment-aaa',
        clientId: 'payment',
        clientHost: '/127.0.0.1',
        memberAssignment: Buffer.alloc(0),
      },
    ],
  };
  const admin = {
    connect: async () => {},
    disconnect: async () => {},
    describeCluster: async () => ({
      clusterId: 'test-cluster',
      controller: state.brokers[0] ?? null,
      brokers: state.brokers.map((id) => ({ nodeId: id, host: '127.0.0.1', port: id * 10_000 + 9092 })),
    }),
    listTopics: async () => ['__consumer_offsets', 'inventory', 'inventory.dlq'],
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: [
          { partitionId: 0, leader: state.brokers[0] ?? -1, replicas: [1, 2, 3], isr: [...state.brokers] },
        ],
      })),
    }),
    fetchTopicOffsets: async (topic: string) => [
      { partition: 0, low: '0', high: topic.endsWith('.dlq') ? '2' : String(state.end), offset: '' },
    ],
    listGroups: async () => ({ groups: [{ groupId: 'payment', protocolType: 'consumer' }] }),
    describeGroups: async (ids: string[]) => ({
      groups: ids.map((groupId) =>
        groupId === 'payment'
          ? { groupId, state: 'Stable', members: state.members }
          : { groupId, state: 'Dead', members: [] },
      ),
    }),
    fetchOffsets: async () => [
      { topic: 'inventory', partitions: [{ partition: 0, offset: String(state.committed) }] },
    ],
  };
  return { state, kafka: { admin: () => admin } as unknown as Kafka };
}

const metrics = `akaso_orders_total{stage="accepted",mode="async",service="order-api"} 5
akaso_orders_total{stage="confirmed",mode="async",service="order-api"} 4
akaso_outbox_backlog{service="order-api"} 3
akaso_emails_sent_total{kind="confirmation",service="email"} 2
`;

let now = Date.parse('2026-12-24T12:00:00Z');

const allReady = async (_url: string): Promise<ReadyzAnswer> => ({
  status: 200,
  body: { status: 'ok', checks: { database: 'ok', kafka: 'ok', consumer: 'ok' } },
});

function collector(
  kafka: Kafka,
  fetchMetrics = async (_url: string) => metrics,
  fetchReadiness: (url: string) => Promise<ReadyzAnswer> = allReady,
) {
  return createCollector({
    now: () => now,
    kafka,
    configuredBrokers: ['127.0.0.1:19092', '127.0.0.1:29092', '127.0.0.1:39092'],
    serviceUrls: ['http://127.0.0.1:3000'],
    pipelineGroups: ['order-status', 'payment'],
    intervalMs: 1000,
    logger: { warn() {} },
    fetchMetrics,
    fetchReadiness,
  });
}

describe('the collector', () => {
  it('puts the cluster, topics, groups with lag, funnel, outbox and DLQ into one snapshot', async () => {
    const { kafka } = fakeCluster();
    const s = await collector(kafka).snapshot();
    expect(s.cluster.brokers.map((b) => [b.nodeId, b.up, b.controller])).toEqual([
      [1, true, true],
      [2, true, false],
      [3, true, false],
    ]);
    expect(s.topics.map((t) => t.name)).toEqual(['inventory', 'inventory.dlq']); // internal topics hidden
    expect(s.groups).toHaveLength(1); // the Dead pipeline group is not shown
    expect(s.groups[0]).toMatchObject({ groupId: 'payment', totalLag: 3 });
    expect(s.groups[0]?.partitions).toEqual([
      { topic: 'inventory', partition: 0, end: 10, committed: 7, lag: 3, owner: null },
    ]);
    expect(s.funnel.totals).toMatchObject({ placed: 5, confirmed: 4, emailed: 2 });
    expect(s.outbox).toMatchObject({
      backlog: 3,
      targets: [{ service: 'order-api', up: true, outboxBacklog: 3, ready: true, readiness: 'ready' }],
    });
    expect(s.dlq).toEqual([{ topic: 'inventory.dlq', messages: 2 }]);
    expect(s.errors).toEqual([]);
  });

  it('shows a broker that left the metadata as down, by the id it had, and its partitions under-replicated', async () => {
    const { state, kafka } = fakeCluster();
    const c = collector(kafka);
    await c.snapshot();
    state.brokers = [1, 3];
    // The collector is not started here: a snapshot older than 3 intervals is read again.
    now += 5_000;
    const s = await c.snapshot();
    const two = s.cluster.brokers.find((b) => b.address === '127.0.0.1:29092');
    expect(two).toMatchObject({ nodeId: 2, up: false });
    expect(s.cluster.underReplicated).toBe(2);
  });

  it('reports a service whose metrics cannot be read instead of inventing numbers', async () => {
    const { kafka } = fakeCluster();
    const s = await collector(kafka, async () => {
      throw new Error('connect ECONNREFUSED');
    }).snapshot();
    expect(s.outbox.targets[0]).toMatchObject({
      up: false,
      outboxBacklog: null,
      error: 'connect ECONNREFUSED',
    });
    expect(s.funnel.totals.placed).toBe(0);
    expect(s.errors).toContain('metrics of http://127.0.0.1:3000: connect ECONNREFUSED');
  });

  it("shows an instance whose /readyz answers 503 as not ready, with the failing checks' own words", async () => {
    const { kafka } = fakeCluster();
    const asked: string[] = [];
    const s = await collector(kafka, undefined, async (url) => {
      asked.push(url);
      return {
        status: 503,
        body: {
          status: 'not ready',
          checks: { database: 'ok', 'outbox relay': 'cannot publish for 7s: KafkaJSConnectionError' },
        },
      };
    }).snapshot();
    expect(asked).toEqual(['http://127.0.0.1:3000/readyz']);
    expect(s.outbox.targets[0]).toMatchObject({
      up: true,
      ready: false,
      failing: { 'outbox relay': 'cannot publish for 7s: KafkaJSConnectionError' },
      readiness: 'not ready: outbox relay: cannot publish for 7s: KafkaJSConnectionError',
    });
  });

  it('says readiness is unknown, not ready or not, for an instance that does not answer', async () => {
    const { kafka } = fakeCluster();
    const s = await collector(
      kafka,
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
    ).snapshot();
    expect(s.outbox.targets[0]).toMatchObject({
      up: false,
      ready: null,
      failing: {},
      readiness: 'readiness unknown: connect ECONNREFUSED',
    });
  });
});
