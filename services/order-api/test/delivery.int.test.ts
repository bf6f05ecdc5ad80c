import { dlqTopic, groupsReading, headers as h, topics } from '@akaso/contracts';
import { replayDeadLetters } from '@akaso/kafka';
import {
  api,
  chargesForOrder,
  eventually,
  mailsByKind,
  mailsFor,
  order,
  produceRaw,
  stock,
  testKafka,
  uniqueUser,
  waitForCommitPast,
  waitForDrained,
  waitForTerminal,
  withDb,
  withProducer,
} from '@akaso/testkit';
import { describe, expect, it } from 'vitest';

interface OutboxRow {
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}

/** The exact events a service published for an order, read back from its outbox. */
async function published(database: string, orderId: string): Promise<OutboxRow[]> {
  return withDb(
    database,
    async (c) =>
      (
        await c.query<OutboxRow>(
          `select topic, key, payload::text as payload, headers from outbox where payload->>'orderId' = $1 order by id`,
          [orderId],
        )
      ).rows,
  );
}

/** Reads a topic from the beginning with a throwaway group until `match` finds a message. */
async function findInTopic(
  topic: string,
  match: (m: { headers: Record<string, string>; value: string }) => boolean,
) {
  const consumer = testKafka().consumer({ groupId: `test-reader-${crypto.randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const found: { headers: Record<string, string>; value: string }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const m = { headers, value: message.value?.toString() ?? '' };
      if (match(m)) found.push(m);
    },
  });
  try {
    return await eventually(
      `a matching message on ${topic}`,
      async () => (found.length > 0 ? found : null),
      30_000,
    );
  } finally {
    await consumer.disconnect();
  }
}

describe('delivery guarantees', () => {
  it('gives every event delivered twice exactly one effect', async () => {
    const userId = uniqueUser('dup');
    const placed = await api<{ orderId: string }>('/orders', {
      method: 'POST',
      body: order(userId, { items: [{ burgerId: 'cheese', quantity: 2 }] }),
    });
    const { orderId } = placed.body;
    expect((await waitForTerminal(orderId)).status).toBe('confirmed');
    await eventually('both emails', async () => (await mailsFor(orderId)).length === 2);
    const stockBefore = await stock();
    const historyRows = () =>
      withDb(
        'order_api',
        async (c) =>
          (await c.query('select count(*)::int n from order_status_history where order_id = $1', [orderId]))
            .rows[0].n as number,
      );
    const historyBefore = await historyRows();
    const providerCallsBefore = (await chargesForOrder(orderId)).calls.length;
    expect(providerCallsBefore).toBeGreaterThanOrEqual(1);

    // Every event of this order, from each service's outbox, published a second time as is.
    const events = [
      ...(await published('order_api', orderId)),
      ...(await published('inventory', orderId)),
      ...(await published('payment', orderId)),
    ];
    expect(events.map((e) => e.topic).sort()).toEqual([
      topics.inventory,
      topics.orderStatus,
      topics.orders,
      topics.payments,
    ]);
    const positions = await withProducer((p) =>
      Promise.all(
        events.map(async (e) => ({
          topic: e.topic,
          ...(await produceRaw(p, e.topic, e.key, e.payload, e.headers)),
        })),
      ),
    );
    for (const pos of positions) {
      for (const group of groupsReading(pos.topic))
        await waitForCommitPast(group, pos.topic, pos.partition, pos.offset);
    }

    expect(await stock()).toEqual(stockBefore);
    const counts = await Promise.all([
      withDb(
        'inventory',
        async (c) =>
          (await c.query('select count(*)::int n from reservations where order_id = $1', [orderId])).rows[0]
            .n,
      ),
      withDb(
        'payment',
        async (c) =>
          (await c.query('select count(*)::int n from payments where order_id = $1', [orderId])).rows[0].n,
      ),
      historyRows(),
    ]);
    // Rows are capped by primary keys; the history is not, and is exactly what it was (two or
    // three rows: a payment may overtake the reservation, the design allows both).
    expect(counts).toEqual([1, 1, historyBefore]);
    // What a duplicate would really cost: a call to the card provider (the redelivered
    // StockReserved must not even reach it) and a second mail in the SMTP sink.
    expect((await chargesForOrder(orderId)).calls.length).toBe(providerCallsBefore);
    expect((await chargesForOrder(orderId)).chargedKeys).toHaveLength(1);
    // A duplicate mail would come from a message still being handled: none is, once drained.
    await waitForDrained();
    expect(await mailsByKind(orderId)).toEqual({ confirmation: 1, receipt: 1 });
  });

  it('dead-letters a poison message with the error and its origin, and keeps the partition flowing', async () => {
    const userId = uniqueUser('poison');
    const poison = await withProducer((p) =>
      produceRaw(p, topics.orders, userId, '{"this is": not json', { [h.correlationId]: 'poison-test' }),
    );
    const invalid = await withProducer((p) =>
      produceRaw(
        p,
        topics.orders,
        userId,
        JSON.stringify({ type: 'OrderPlaced', version: 1, orderId: 'nope' }),
      ),
    );
    // The same key, so the same partition, after the poison: it must still be processed.
    const res = await api<{ orderId: string }>('/orders', { method: 'POST', body: order(userId) });
    expect((await waitForTerminal(res.body.orderId)).status).toBe('confirmed');
    expect(invalid.partition).toBe(poison.partition);

    const [dead] = await findInTopic(
      dlqTopic(topics.orders),
      (m) =>
        m.headers[h.dlqOriginOffset] === poison.offset &&
        m.headers[h.dlqOriginPartition] === String(poison.partition),
    );
    expect(dead?.value).toBe('{"this is": not json');
    expect(dead?.headers).toMatchObject({
      [h.dlqOriginTopic]: topics.orders,
      [h.dlqErrorCode]: 'CONTRACT_VIOLATION',
      [h.dlqConsumerGroup]: 'inventory',
      [h.correlationId]: 'poison-test',
    });
    expect(dead?.headers[h.dlqError]).toMatch(/not JSON/);

    const [deadInvalid] = await findInTopic(
      dlqTopic(topics.orders),
      (m) =>
        m.headers[h.dlqOriginOffset] === invalid.offset &&
        m.headers[h.dlqOriginPartition] === String(invalid.partition),
    );
    expect(deadInvalid?.headers[h.dlqError]).toMatch(/invalid OrderPlaced v1/);
  });

  it('replays dead letters back to their topic (here they fail again and return, marked as replayed)', async () => {
    const userId = uniqueUser('replay');
    const poison = await withProducer((p) => produceRaw(p, topics.orders, userId, `replay-me ${userId}`));
    await waitForCommitPast('inventory', topics.orders, poison.partition, poison.offset);
    const { replayed } = await withProducer((producer) =>
      replayDeadLetters({ kafka: testKafka(), producer, topic: topics.orders }),
    );
    expect(replayed).toBeGreaterThanOrEqual(1);
    const [again] = await findInTopic(
      dlqTopic(topics.orders),
      (m) => m.value === `replay-me ${userId}` && h.dlqReplayedAt in m.headers,
    );
    expect(again?.headers[h.dlqOriginTopic]).toBe(topics.orders);
  });

  it("handles one user's orders in the order they were placed", async () => {
    const userId = uniqueUser('ordered');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api<{ orderId: string }>('/orders', { method: 'POST', body: order(userId) });
      expect(res.status).toBe(202);
      ids.push(res.body.orderId);
    }
    for (const id of ids) await waitForTerminal(id);
    // Inventory's outbox ids record the order in which its consumer handled the orders.
    const handled = await withDb('inventory', async (c) =>
      (
        await c.query<{ order_id: string }>(
          `select payload->>'orderId' as order_id from outbox where topic = 'inventory' and key = $1 order by id`,
          [userId],
        )
      ).rows.map((r) => r.order_id),
    );
    expect(handled).toEqual(ids);
  });
});
