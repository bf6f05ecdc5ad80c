import { randomUUID } from 'node:crypto';
import { dlqTopic, type TopicName } from '@akaso/contracts';
import { eventually, testKafka, withAdmin, withProducer } from '@akaso/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConsumerRunner,
  createConsumerRunner,
  createProducer,
  type Delivery,
  type Logger,
  PermanentError,
  type Producer,
} from '../src/index.ts';

// The consumer runner on the real three-broker cluster, on topics of its own with ONE partition,
// so every user's messages share it: what holds a partition and what holds a key tell apart.

interface Msg {
  user: string;
  n: number;
  poison?: boolean;
}

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function freshTopic(): Promise<TopicName> {
  const topic = `consumer-runner-it-${randomUUID().slice(0, 8)}`;
  await withAdmin((admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, replicationFactor: 3 },
        { topic: dlqTopic(topic), numPartitions: 1, replicationFactor: 3 },
      ],
    }),
  );
  cleanup.push(() => withAdmin((admin) => admin.deleteTopics({ topics: [topic, dlqTopic(topic)] })));
  return topic as TopicName;
}

async function produce(topic: string, msgs: Msg[]) {
  await withProducer((p) =>
    p.send({
      topic,
      acks: -1,
      messages: msgs.map((m) => ({ key: m.user, value: JSON.stringify(m), partition: 0 })),
    }),
  );
}

async function committed(groupId: string, topic: string): Promise<bigint> {
  return withAdmin(async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(t?.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
  });
}

async function startRunner(
  topic: TopicName,
  groupId: string,
  record: string[],
  handle: (m: Msg) => Promise<string> = async (m) => `${m.user}${m.n}`,
): Promise<{ runner: ConsumerRunner; producer: Producer }> {
  const producer = createProducer(testKafka());
  await producer.connect();
  const runner = createConsumerRunner({
    kafka: testKafka(),
    groupId,
    topics: [topic],
    producer,
    logger: quiet,
    decode: (_t, value) => JSON.parse(value?.toString() ?? 'null') as unknown,
    lingerMs: 1,
    commitIntervalMs: 100,
    sessionTimeoutMs: 6_000,
    // One handler call is all or nothing, as a database transaction is: on a throw, nothing of
    // the call counts (the runner then tries its messages one at a time).
    handler: async (deliveries: Delivery[]) => {
      const out: string[] = [];
      for (const d of deliveries) out.push(await handle(d.event as unknown as Msg));
      record.push(...out);
    },
  });
  await runner.start();
  return { runner, producer };
}

describe('the consumer runner', () => {
  it("lets other users' messages overtake a slow one on the same partition, keeps each user's order, and commits only past what is done", async () => {
    const topic = await freshTopic();
    const groupId = `runner-it-${randomUUID().slice(0, 8)}`;
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const handled: string[] = [];
    let slowStarted = false;
    const { runner, producer } = await startRunner(topic, groupId, handled, async (m) => {
      if (m.user === 'slow' && m.n === 1) {
        slowStarted = true;
        await gate; // a 300 ms card charge, say, held longer
      }
      return `${m.user}${m.n}`;
    });
    cleanup.push(async () => {
      await runner.stop();
      await producer.disconnect();
    });
    await produce(topic, [{ user: 'slow', n: 1 }]);
    await eventually('the slow message to be in a handler call', async () => slowStarted, 30_000);
    await produce(topic, [
      { user: 'fast', n: 1 },
      { user: 'slow', n: 2 },
      { user: 'fast', n: 2 },
    ]);
    await eventually('the other user to be handled', async () => handled.includes('fast2'), 30_000);
    expect(handled).toEqual(['fast1', 'fast2']);
    // Offset 0 (slow1) is not applied: nothing is committed past it, whatever came after.
    await new Promise((r) => setTimeout(r, 500));
    expect(await committed(groupId, topic)).toBeLessThanOrEqual(0n);
    release();
    await eventually('the slow user to be handled', async () => handled.length === 4, 30_000);
    expect(handled).toEqual(['fast1', 'fast2', 'slow1', 'slow2']);
    await eventually(
      'the commit to reach the end',
      async () => (await committed(groupId, topic)) === 4n,
      30_000,
    );
  });

  it('redelivers to the next instance what one that left abruptly had not finished, and skips nothing', async () => {
    const topic = await freshTopic();
    const groupId = `runner-it-${randomUUID().slice(0, 8)}`;
    const first: string[] = [];
    const stuck = new Promise<void>(() => {}); // never finishes: the instance dies holding it
    let slowStarted = false;
    const a = await startRunner(topic, groupId, first, async (m) => {
      if (m.user === 'slow' && m.n === 1) {
        slowStarted = true;
        await stuck;
      }
      return `${m.user}${m.n}`;
    });
    await produce(topic, [{ user: 'slow', n: 1 }]);
    await eventually('the slow message to be in a handler call', async () => slowStarted, 30_000);
    await produce(topic, [
      { user: 'fast', n: 1 },
      { user: 'slow', n: 2 },
      { user: 'fast', n: 2 },
    ]);
    await eventually('the first instance to handle the fast user', async () => first.length === 2, 30_000);
    // Gone without a graceful stop: no final commit, its handler call never returns.
    await a.runner.consumer.disconnect();
    await a.producer.disconnect();
    expect(await committed(groupId, topic)).toBeLessThanOrEqual(0n);

    const second: string[] = [];
    const b = await startRunner(topic, groupId, second);
    cleanup.push(async () => {
      await b.runner.stop();
      await b.producer.disconnect();
    });
    await eventually('the second instance to catch up', async () => second.includes('slow2'), 60_000);
    // Everything from the first unfinished message on comes again (the handlers' eventId dedupe
    // absorbs the repeats), in each user's order.
    expect(second.filter((s) => s.startsWith('slow'))).toEqual(['slow1', 'slow2']);
    expect(second.filter((s) => s.startsWith('fast'))).toEqual(['fast1', 'fast2']);
    await eventually(
      'the commit to reach the end',
      async () => (await committed(groupId, topic)) === 4n,
      30_000,
    );
  });

  it('dead-letters a poison message inside a batch, applies the others, and moves the partition past it', async () => {
    const topic = await freshTopic();
    const groupId = `runner-it-${randomUUID().slice(0, 8)}`;
    const applied: string[] = [];
    const { runner, producer } = await startRunner(topic, groupId, applied, async (m) => {
      if (m.poison) throw new PermanentError('TEST_POISON', `poison ${m.user}${m.n}`);
      return `${m.user}${m.n}`;
    });
    cleanup.push(async () => {
      await runner.stop();
      await producer.disconnect();
    });
    await produce(topic, [
      { user: 'u', n: 1 },
      { user: 'v', n: 1 },
      { user: 'u', n: 2, poison: true },
      { user: 'u', n: 3 },
      { user: 'v', n: 2 },
    ]);
    await eventually(
      'the partition to be committed to its end',
      async () => (await committed(groupId, topic)) === 5n,
      30_000,
    );
    expect(applied.filter((s) => s.startsWith('u'))).toEqual(['u1', 'u3']);
    expect(applied.filter((s) => s.startsWith('v'))).toEqual(['v1', 'v2']);
    const dead = await withAdmin((admin) => admin.fetchTopicOffsets(dlqTopic(topic)));
    expect(dead.map((p) => Number(p.high)).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
