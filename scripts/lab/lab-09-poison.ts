import { dlqTopic, headers as h, orderRef, topics } from '@akaso/contracts';
import { replayDeadLetters } from '@akaso/kafka';
import {
  endOffsets,
  type Lab,
  labId,
  labKafka,
  labOrder,
  postOrder,
  readTopic,
  until,
  waitTerminal,
  withProducer,
} from './lab.ts';

/**
 * A malformed OrderPlaced (broken JSON) on `orders`, keyed by a user who then places a real
 * order: the inventory group dead-letters the poison at once with its origin in headers, the
 * real order behind it on the same partition is confirmed, and `pnpm dlq replay orders` sends
 * the dead letter back to `orders`.
 */
export const lab: Lab = {
  id: 9,
  slug: 'poison-messages',
  title: 'Poison messages and the DLQ',
  minutes: 15,
  async verify(report, log) {
    const kafka = labKafka();
    const dlq = dlqTopic(topics.orders);
    const user = `lab9-${labId()}`;
    const dlqBefore = await endOffsets(kafka, dlq);
    const ordersBefore = await endOffsets(kafka, topics.orders);
    const poison = await withProducer(kafka, async (p) => {
      const [meta] = await p.send({
        topic: topics.orders,
        acks: -1,
        messages: [
          {
            key: user,
            value: '{"type":"OrderPlaced","version":1,"orderId":',
            headers: { [h.correlationId]: `lab9-${user}` },
          },
        ],
      });
      if (!meta) throw new Error('no metadata for the poison message');
      return { partition: meta.partition, offset: meta.baseOffset ?? '?' };
    });
    log(
      `poison written to ${topics.orders}[${poison.partition}]@${poison.offset}; placing a real order for the same user…`,
    );
    const placed = await postOrder(labOrder(user, 1));
    if (placed.status !== 202 || !placed.orderId) throw new Error(`POST /orders answered ${placed.status}`);
    const status = await waitTerminal(placed.orderId, 90_000);
    report.check(
      'the partition keeps flowing: the order behind the poison completes',
      status === 'confirmed',
      `order ${orderRef(placed.orderId)} ${status}`,
    );

    const dead = await until(
      `the poison message in ${dlq}`,
      async () => (await readTopic(kafka, dlq, { from: dlqBefore })).find((m) => m.key === user),
      60_000,
      1_000,
    );
    report.check(
      'dead-lettered with its origin and the error',
      dead.headers[h.dlqOriginTopic] === topics.orders &&
        dead.headers[h.dlqOriginPartition] === String(poison.partition) &&
        dead.headers[h.dlqOriginOffset] === poison.offset,
      `${dead.headers[h.dlqOriginTopic]}[${dead.headers[h.dlqOriginPartition]}]@${dead.headers[h.dlqOriginOffset]} group=${dead.headers[h.dlqConsumerGroup]} code=${dead.headers[h.dlqErrorCode]}`,
    );
    report.figure('error', (dead.headers[h.dlqError] ?? '').slice(0, 120));
    report.check(
      'classified as never retriable (no retry storm)',
      dead.headers[h.dlqAttempts] === '1',
      `attempts=${dead.headers[h.dlqAttempts]}`,
    );

    log('replaying orders.dlq back to orders (what `pnpm dlq replay orders` does)…');
    const { replayed } = await withProducer(kafka, (producer) =>
      replayDeadLetters({ kafka, producer, topic: topics.orders }),
    );
    report.figure('messages replayed from orders.dlq', replayed);
    const back = await until(
      `the replayed message back in ${topics.orders}`,
      async () =>
        (await readTopic(kafka, topics.orders, { from: ordersBefore })).find(
          (m) => m.key === user && m.headers[h.dlqReplayedAt] !== undefined,
        ),
      60_000,
      1_000,
    );
    report.check(
      'replay puts it back on the topic',
      back.value === dead.value,
      `${topics.orders}[${back.partition}]@${back.offset}, replayed at ${back.headers[h.dlqReplayedAt]}`,
    );
    // Its bytes are still broken (no fix can repair them), so the consumer dead-letters it again:
    // replay is for messages a fixed consumer can now handle.
    const again = await until(
      'the unfixed message dead-lettered again',
      async () =>
        (await readTopic(kafka, dlq, { from: dlqBefore })).find(
          (m) => m.key === user && m.headers[h.dlqReplayedAt] !== undefined,
        ),
      60_000,
      1_000,
    );
    report.check(
      'without a fix it lands in the DLQ again (nothing lost, nothing stuck)',
      again !== undefined,
      `${dlq}[${again.partition}]@${again.offset}`,
    );
  },
};
