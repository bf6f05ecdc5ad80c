import { randomUUID } from 'node:crypto';
import { dlqTopic, headers as h, topics } from '@akaso/contracts';
import { api, eventually, order, testKafka, uniqueUser, waitForTerminal } from '@akaso/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPart, stopPart } from '../../../scripts/stack/control.ts';
import { silentReporter } from '../../../scripts/stack/proc.ts';
import { smtpSink } from './smtp-sink.ts';

// The stack's email instance sends to an SMTP server of this test's that refuses one recipient
// (Mailpit accepts everyone).
const sink = smtpSink({ 'refuse550-': '550 5.1.1 no such user' });

beforeAll(async () => {
  const port = await sink.listen();
  await stopPart('email-1');
  await startPart('email-1', silentReporter, { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) });
});

afterAll(async () => {
  await stopPart('email-1');
  await startPart('email-1');
  await sink.close();
});

/** Dead letters of group email on `topic` whose event is about `orderId`. */
async function deadLetters(topic: string, orderId: string) {
  const consumer = testKafka().consumer({ groupId: `test-reader-${randomUUID()}` });
  const found: Record<string, string>[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      if (headers[h.dlqConsumerGroup] === 'email' && message.value?.toString().includes(orderId))
        found.push(headers);
    },
  });
  try {
    return await eventually(`a dead letter of group email about ${orderId} on ${topic}`, async () =>
      found.length > 0 ? found : null,
    );
  } finally {
    await consumer.disconnect();
  }
}

describe('a recipient the SMTP server refuses', () => {
  it('has its mails dead-lettered with the reason, while the mails of the orders beside it are sent', async () => {
    const refusedUser = uniqueUser('refuse550');
    const others = [uniqueUser('beside'), uniqueUser('beside')];
    // Placed at once, so that their events tend to share the email consumer's batches.
    const placed = await Promise.all(
      [refusedUser, ...others].map((u) =>
        api<{ orderId: string }>('/orders', { method: 'POST', body: order(u) }),
      ),
    );
    const [refused, ...rest] = placed.map((p) => p.body.orderId);
    for (const id of placed.map((p) => p.body.orderId))
      expect((await waitForTerminal(id)).status).toBe('confirmed');

    // The others: a confirmation and a receipt each.
    await eventually('the mails of the orders beside it', async () =>
      others.every((u) => sink.count(`${u}@akaso.test`) === 2),
    );
    expect(rest).toHaveLength(2);
    // The refused one: both mails in the dead-letter topics of their events, with the answer.
    for (const topic of [dlqTopic(topics.orderStatus), dlqTopic(topics.payments)]) {
      const [dead] = await deadLetters(topic, refused ?? '');
      expect(dead?.[h.dlqErrorCode]).toBe('SMTP_RECIPIENT_REFUSED');
      expect(dead?.[h.dlqError]).toContain('550 5.1.1 no such user');
    }
    expect(sink.count(`${refusedUser}@akaso.test`)).toBe(0);
  });
});
