import { randomUUID } from 'node:crypto';
import { type AnyEvent, type EventOf, topics } from '@akaso/contracts';
import { claimEvent, enqueue } from '@akaso/outbox';
import type { Db } from './db.ts';
import type { Charge } from './gateway.ts';

type StockReserved = Extract<EventOf<'inventory'>, { type: 'StockReserved' }>;

export interface HandleOptions {
  group: string;
  correlationId: string;
  emit: boolean;
}

export function createPaymentService(deps: { db: Db; charge: Charge; onOutboxWrite(): void }) {
  const { db } = deps;

  /**
   * One payment per order. The card is charged outside the database transaction (a slow
   * third party must not hold a connection), with an idempotency key derived from the order,
   * then the outcome, the eventId and the outgoing event are written in one transaction.
   * A crash between the two redelivers the event; the same key makes Stripe return the same
   * PaymentIntent, so the customer is charged once.
   */
  async function handleStockReserved(event: StockReserved, opts: HandleOptions): Promise<AnyEvent[]> {
    const seen = await db.processedEvent.findUnique({
      where: { consumerGroup_eventId: { consumerGroup: opts.group, eventId: event.eventId } },
    });
    if (seen) return [];
    if (await db.payment.findUnique({ where: { orderId: event.orderId } })) return [];

    const outcome = await deps.charge({
      orderId: event.orderId,
      userId: event.userId,
      amountCents: event.totalCents,
      currency: event.currency,
      paymentMethod: event.paymentMethod,
    });

    const out = await db.$transaction(async (tx) => {
      if (!(await claimEvent(tx, opts.group, event.eventId))) return [];
      const inserted = await tx.$executeRawUnsafe(
        `insert into payments (order_id, user_id, status, payment_intent_id, amount_cents, currency, decline_code, reason)
         values ($1::uuid, $2, $3, $4, $5, $6, $7, $8) on conflict (order_id) do nothing`,
        event.orderId,
        event.userId,
        outcome.status === 'succeeded' ? 'succeeded' : 'failed',
        outcome.paymentIntentId,
        event.totalCents,
        event.currency,
        outcome.status === 'declined' ? outcome.declineCode : null,
        outcome.status === 'declined' ? outcome.reason : null,
      );
      if (inserted === 0) return [];
      const base = {
        version: 1 as const,
        eventId: randomUUID(),
        orderId: event.orderId,
        userId: event.userId,
        occurredAt: new Date().toISOString(),
        email: event.email,
      };
      const result: AnyEvent =
        outcome.status === 'succeeded'
          ? {
              ...base,
              type: 'PaymentSucceeded',
              paymentIntentId: outcome.paymentIntentId,
              amountCents: outcome.amountCents,
              currency: event.currency,
            }
          : { ...base, type: 'PaymentFailed', reason: outcome.reason, declineCode: outcome.declineCode };
      if (opts.emit)
        await enqueue(tx, [{ topic: topics.payments, event: result, correlationId: opts.correlationId }]);
      return [result];
    });
    if (opts.emit && out.length > 0) deps.onOutboxWrite();
    return out;
  }

  return { handleStockReserved };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
