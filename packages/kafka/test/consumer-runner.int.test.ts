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

/** A topic of its own (one partition, and its dead-letter topic) and a group never used before. */
async function fresh(numPartitions = 1): Promise<{ topic: TopicName; groupId: string }> {
  const topic = `consumer-runner-it-${randomUUID().slice(0, 8)}`;
  await withAdmin((admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions, replicationFactor: 3 },
        { topic: dlqTopic(topic), numPartitions: 1, replicationFactor: 3 },
      ],
    }),
  );
  cleanup.push(() => withAdmin((admin) => admin.deleteTopics({ topics: [topic, dlqTopic(topic)] })));
  return { topic: topic as TopicName, groupId: `runner-it-${randomUUID().slice(0, 8)}` };
}

async function produce(topic: string, msgs: Msg[], partition = 0) {
  await withProducer((p) =>
    p.send({
      topic,
      acks: -1,
      messages: msgs.map((m) => ({ key: m.user, value: JSON.stringify(m), partition })),
    }),
  );
}

async function committed(groupId: string, topic: string, partition = 0): Promise<bigint> {
  return withAdmin(async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(t?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  });
}

/** Waits until the group has committed `next` (the offset after the last one handled). */
const committedAt = (groupId: string, topic: string, next: bigint, partition = 0) =>
  eventually(
    `the commit to reach ${next}`,
    async () => (await committed(groupId, topic, partition)) === next,
    30_000,
  );

/**
 * The user "slow" whose first message stays in its handler call until `hold` settles (a card
 * charge that takes long): `send()` sends it, waits until it is in a handler call, then sends
 * fast1, slow2, fast2 to the same partition.
 */
function slowFirstMessage(hold: Promise<void>) {
  let started = false;
  return {
    handle: async (m: Msg) => {
      if (m.user === 'slow' && m.n === 1) {
        started = true;
        await hold;
      }
      return `${m.user}${m.n}`;
    },
    async send(topic: string) {
      await produce(topic, [{ user: 'slow', n: 1 }]);
      await eventually('the slow message to be in a handler call', async () => started, 30_000);
      await produce(topic, [
        { user: 'fast', n: 1 },
        { user: 'slow', n: 2 },
        { user: 'fast', n: 2 },
      ]);
    },
  };
}

/** Stops the runner gracefully when the test ends. */
function stopAtEnd(r: { runner: ConsumerRunner; producer: Producer }) {
  cleanup.push(async () => {
    await r.runner.stop();
    await r.producer.disconnect();
  });
  return r;
}

async function startRunner(
  topic: TopicName,
  groupId: string,
  record: string[],
  handle: (m: Msg) => Promise<string> = async (m) => `${m.user}${m.n}`,
  lingerMs = 1,
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
    lingerMs,
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

// A short linger (every fetch held for about a millisecond) and the production one (held fetches
// answering at 150 ms ticks, a quiet consumer handing over at once).
describe.each([1, 150])('the consumer runner, linger %i ms', (linger) => {
  it("lets other users' messages overtake a slow one on the same partition, keeps each user's order, and commits only past what is done", async () => {
    const { topic, groupId } = await fresh(2);
    let release = () => {};
    const slow = slowFirstMessage(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    const handled: string[] = [];
    stopAtEnd(await startRunner(topic, groupId, handled, slow.handle, linger));
    await slow.send(topic);
    await eventually('the other user to be handled', async () => handled.includes('fast2'), 30_000);
    expect(handled).toEqual(['fast1', 'fast2']);
    // A message on the other partition, committed after fast2 was handled: every commit carries
    // every partition that moved, so partition 0 would be committed by now if it could be.
    await produce(topic, [{ user: 'probe', n: 1 }], 1);
    await committedAt(groupId, topic, 1n, 1);
    // Offset 0 (slow1) is not applied: nothing is committed past it, whatever came after.
    expect(await committed(groupId, topic)).toBeLessThanOrEqual(0n);
    release();
    await eventually('the slow user to be handled', async () => handled.length === 5, 30_000);
    expect(handled).toEqual(['fast1', 'fast2', 'probe1', 'slow1', 'slow2']);
    await committedAt(groupId, topic, 4n);
  });

  it('redelivers to the next instance what one that left abruptly had not finished, and skips nothing', async () => {
    const { topic, groupId } = await fresh();
    // Never settles: the instance dies holding slow1.
    const slow = slowFirstMessage(new Promise<void>(() => {}));
    const first: string[] = [];
    const a = await startRunner(topic, groupId, first, slow.handle, linger);
    await slow.send(topic);
    await eventually('the first instance to handle the fast user', async () => first.length === 2, 30_000);
    // Gone without a graceful stop: no final commit, its handler call never returns.
    await a.runner.consumer.disconnect();
    await a.producer.disconnect();
    expect(await committed(groupId, topic)).toBeLessThanOrEqual(0n);

    const second: string[] = [];
    stopAtEnd(await startRunner(topic, groupId, second, undefined, linger));
    await eventually('the second instance to catch up', async () => second.includes('slow2'), 60_000);
    // Everything from the first unfinished message on comes again (the handlers' eventId dedupe
    // absorbs the repeats), in each user's order.
    expect(second.filter((s) => s.startsWith('slow'))).toEqual(['slow1', 'slow2']);
    expect(second.filter((s) => s.startsWith('fast'))).toEqual(['fast1', 'fast2']);
    await committedAt(groupId, topic, 4n);
  });

  it('dead-letters a poison message inside a batch, applies the others, and moves the partition past it', async () => {
    const { topic, groupId } = await fresh();
    const applied: string[] = [];
    stopAtEnd(
      await startRunner(
        topic,
        groupId,
        applied,
        async (m) => {
          if (m.poison) throw new PermanentError('TEST_POISON', `poison ${m.user}${m.n}`);
          return `${m.user}${m.n}`;
        },
        linger,
      ),
    );
    await produce(topic, [
      { user: 'u', n: 1 },
      { user: 'v', n: 1 },
      { user: 'u', n: 2, poison: true },
      { user: 'u', n: 3 },
      { user: 'v', n: 2 },
    ]);
    await committedAt(groupId, topic, 5n);
    expect(applied.filter((s) => s.startsWith('u'))).toEqual(['u1', 'u3']);
    expect(applied.filter((s) => s.startsWith('v'))).toEqual(['v1', 'v2']);
    const dead = await withAdmin((admin) => admin.fetchTopicOffsets(dlqTopic(topic)));
    expect(dead.map((p) => Number(p.high)).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
