import { topics } from '@akaso/contracts';
import { partitionSkew, strictlyIncreasing } from './analysis.ts';
import {
  endOffsets,
  ensureLabTopic,
  type Lab,
  labId,
  labKafka,
  labOrder,
  postOrder,
  readTopic,
  until,
  withProducer,
} from './lab.ts';

const hotTopic = 'lab.keys';
const partitions = 12;

/**
 * 1. One user's orders (placed through the API) all land on one partition of `orders`, in the
 *    order they were placed. 2. A hot user (half the traffic) on a 12-partition lab topic puts
 *    half of all messages on one partition: the skew a key choice can cause.
 */
export const lab: Lab = {
  id: 2,
  slug: 'keys-and-partitions',
  title: 'Keys and partitions',
  minutes: 20,
  async verify(report, log) {
    const kafka = labKafka();
    const user = `lab2-${labId()}`;
    const before = await endOffsets(kafka, topics.orders);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await postOrder(labOrder(user, 1));
      if (res.status !== 202 || !res.orderId) throw new Error(`POST /orders answered ${res.status}`);
      ids.push(res.orderId);
    }
    log(`placed 4 orders for ${user}; reading them back from the orders topic`);
    const mine = await until(
      `the 4 OrderPlaced events of ${user} in ${topics.orders}`,
      async () => {
        const msgs = (await readTopic(kafka, topics.orders, { from: before })).filter((m) => m.key === user);
        return msgs.length >= ids.length ? msgs : null;
      },
      60_000,
      1_000,
    );
    const parts = new Set(mine.map((m) => m.partition));
    report.check(
      'one user, one partition',
      parts.size === 1,
      `${user}'s ${mine.length} events on partition(s) ${[...parts].join(', ')}`,
    );
    const orderIds = mine.map((m) => (JSON.parse(m.value ?? '{}') as { orderId?: string }).orderId);
    report.check(
      'in the order they were placed',
      strictlyIncreasing(mine.map((m) => m.offset)) && orderIds.join() === ids.join(),
      `offsets ${mine.map((m) => m.offset).join(', ')}`,
    );

    await ensureLabTopic(kafka, hotTopic, partitions);
    const from = await endOffsets(kafka, hotTopic);
    const hot = `hot-${labId()}`;
    const messages = Array.from({ length: 400 }, (_, i) => ({
      key: i % 2 === 0 ? hot : `user-${labId()}`,
      value: JSON.stringify({ n: i }),
    }));
    await withProducer(kafka, (p) => p.send({ topic: hotTopic, acks: -1, messages }));
    const counts = new Array<number>(partitions).fill(0);
    for (const m of await readTopic(kafka, hotTopic, { from }))
      counts[m.partition] = (counts[m.partition] ?? 0) + 1;
    const skew = partitionSkew(counts);
    report.figure('messages per partition (hot user = half the traffic)', counts.join(' '));
    report.figure('skew (max / mean)', skew.ratio.toFixed(2));
    // An even spread gives ~1; a user with half the traffic puts >= 200 of 400 on one partition (~6).
    report.check(
      'a hot key skews one partition',
      skew.max >= 200 && skew.ratio >= 4,
      `partition ${skew.hottestPartition} has ${skew.max} of ${skew.total}`,
    );
  },
};
