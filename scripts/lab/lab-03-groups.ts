import { topics } from '@akaso/contracts';
import { type Consumer, describeGroupMembers } from '@akaso/kafka';
import {
  ensureLabTopic,
  type Kafka,
  type Lab,
  labId,
  labKafka,
  until,
  withAdmin,
  withProducer,
} from './lab.ts';
import { instanceRunning, startInstance, stopInstance } from './stack-control.ts';

const topic = 'lab.groups';
const smallTopic = 'lab.groups-small';

interface Member {
  consumer: Consumer;
  seen: number[];
}

async function join(kafka: Kafka, groupId: string, t: string, n: number): Promise<Member[]> {
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, allowAutoTopicCreation: false });
    const member: Member = { consumer, seen: [] };
    await consumer.connect();
    await consumer.subscribe({ topic: t, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        member.seen.push((JSON.parse(message.value?.toString() ?? '{}') as { n: number }).n);
      },
    });
    members.push(member);
  }
  return members;
}

async function stable(kafka: Kafka, groupId: string, members: number, partitions: number) {
  return until(
    `group ${groupId}: ${members} members sharing ${partitions} partitions`,
    () =>
      withAdmin(kafka, async (admin) => {
        const g = await describeGroupMembers(admin, groupId);
        const owned = g.members.reduce((s, m) => s + Object.values(m.assignment).flat().length, 0);
        return g.state === 'Stable' && g.members.length === members && owned === partitions ? g : null;
      }),
    120_000,
    500,
  );
}

const leave = (ms: Member[]) => Promise.all(ms.map((m) => m.consumer.disconnect()));

/**
 * Inside one group the partitions are shared out (a queue: each message to one member); every
 * group gets every message (pub/sub); a member beyond the partition count gets nothing; and a
 * real consumer group (payment) rebalances when it scales to 3 and back.
 */
export const lab: Lab = {
  id: 3,
  slug: 'consumer-groups',
  title: 'Consumer groups and rebalancing',
  minutes: 25,
  async verify(report, log) {
    const kafka = labKafka();
    await ensureLabTopic(kafka, topic, 6);
    await ensureLabTopic(kafka, smallTopic, 2);
    const run = labId();
    const a = await join(kafka, `lab3-a-${run}`, topic, 2);
    const b = await join(kafka, `lab3-b-${run}`, topic, 1);
    const c = await join(kafka, `lab3-c-${run}`, smallTopic, 3);
    try {
      await stable(kafka, `lab3-a-${run}`, 2, 6);
      await stable(kafka, `lab3-b-${run}`, 1, 6);
      const small = await stable(kafka, `lab3-c-${run}`, 3, 2);
      const count = 120;
      await withProducer(kafka, (p) =>
        p.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, n) => ({
            key: `user-${n % 30}`,
            value: JSON.stringify({ n }),
          })),
        }),
      );
      const total = (ms: Member[]) => ms.reduce((s, m) => s + m.seen.length, 0);
      await until(
        'both groups to receive the messages',
        async () => total(a) >= count && total(b) >= count,
        60_000,
      );
      const aAll = a.flatMap((m) => m.seen);
      report.check(
        'queue inside a group: each message to exactly one member',
        aAll.length === count && new Set(aAll).size === count && a.every((m) => m.seen.length > 0),
        `group a: ${a.map((m) => m.seen.length).join(' + ')} = ${aAll.length}`,
      );
      report.check(
        'pub/sub across groups: the other group got every message too',
        new Set(b.flatMap((m) => m.seen)).size === count,
        `group b: ${total(b)}`,
      );
      const idle = small.members.filter((m) => Object.values(m.assignment).flat().length === 0).length;
      report.check(
        '3 consumers on 2 partitions: one sits idle',
        idle === 1,
        `assignments ${small.members.map((m) => Object.values(m.assignment).flat().length).join(', ')}`,
      );
    } finally {
      await leave([...a, ...b, ...c]);
    }

    // The real thing: scale the payment group to 3 instances, then back to 1.
    const partitions = 12;
    const started: number[] = [];
    try {
      for (const i of [2, 3]) {
        if (!instanceRunning('payment', i)) {
          log(`starting payment-${i}…`);
          await startInstance('payment', i);
          started.push(i);
        }
      }
      const three = await stable(kafka, 'payment', 3, partitions);
      const shares = three.members.map((m) => (m.assignment[topics.inventory] ?? []).length);
      report.check(
        'payment scaled to 3: the rebalance shares 12 partitions 4/4/4',
        shares.every((s) => s === 4),
        `shares ${shares.join('/')}`,
      );
    } finally {
      for (const i of started) {
        log(`stopping payment-${i}…`);
        await stopInstance('payment', i);
      }
    }
    if (started.length > 0) {
      const one = await stable(kafka, 'payment', 1, partitions);
      report.check(
        'scaled back: one instance owns all 12 again',
        (one.members[0]?.assignment[topics.inventory] ?? []).length === partitions,
      );
    }
  },
};
