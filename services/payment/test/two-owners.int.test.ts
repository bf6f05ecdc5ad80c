import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { newEvent, uuidv7 } from '@akaso/contracts';
import { createPool } from '@akaso/db';
import { returnOnly } from '@akaso/outbox';
import { postgresServerUrl } from '@akaso/stack-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChargeOutcome, ChargeRequest } from '../src/gateway.ts';
import { createPaymentService } from '../src/payment-service.ts';

// Payment takes no claim before charging (payment-service.ts says why that is safe); this holds
// it to that against the real payment database: two owners of the same StockReserved, as in a
// rebalance while the old owner is still charging.
const pool = createPool({
  connectionString: `${postgresServerUrl}/payment`,
  max: 4,
  name: 'payment-two-owners-test',
});
afterAll(() => pool.end());

describe('two owners of one reservation at once (a rebalance mid-charge)', () => {
  it('both charge under the order key, one outcome is recorded and one event leaves', async () => {
    const calls: ChargeRequest[] = [];
    // The provider's contract for an idempotency key: every call gets the first call's answer.
    const answers = new Map<string, Promise<ChargeOutcome>>();
    const charge = (req: ChargeRequest) => {
      calls.push(req);
      let answer = answers.get(req.orderId);
      if (!answer) {
        answer = delay(200).then(() => ({
          status: 'succeeded' as const,
          paymentIntentId: `pi_${randomUUID()}`,
          amountCents: req.amountCents,
        }));
        answers.set(req.orderId, answer);
      }
      return answer;
    };
    const owner = () => createPaymentService({ pool, charge, group: 'payment', chargeConcurrency: 4 });
    const event = newEvent(
      'StockReserved',
      { orderId: uuidv7(), userId: `two-owners-${randomUUID().slice(0, 8)}` },
      {
        email: 'two-owners@akaso.test',
        items: [{ burgerId: 'classic', name: 'Classic', quantity: 1, unitPriceCents: 450 }],
        paymentMethod: 'pm_card_visa',
        totalCents: 450,
        currency: 'eur',
      },
    );
    const input = { event, correlationId: randomUUID() };

    const [old, current] = await Promise.all([
      owner().apply([input], returnOnly),
      owner().apply([input], returnOnly),
    ]);
    expect(calls).toHaveLength(2);
    // One PaymentSucceeded between them, for the one row recorded.
    const events = [...old, ...current];
    expect(events.map((e) => e.type)).toEqual(['PaymentSucceeded']);
    const { rows } = await pool.query<{ payment_intent_id: string }>(
      'select payment_intent_id from payments where order_id = $1',
      [event.orderId],
    );
    expect(rows).toHaveLength(1);
    const claimed = await pool.query(
      `select 1 from processed_events where consumer_group = 'payment' and event_id = $1`,
      [event.eventId],
    );
    expect(claimed.rowCount).toBe(1);
    // A third delivery (the rebalance settled, the offset not yet committed) charges nothing.
    expect(await owner().apply([input], returnOnly)).toEqual([]);
    expect(calls).toHaveLength(2);
  });
});
