import { type AnyEvent, type EventOf, newEvent, topics } from '@akaso/contracts';
import { type Pool, transaction } from '@akaso/db';
import { retryWhileTransient } from '@akaso/kafka';
import { claimEvents, type EventSink } from '@akaso/outbox';
import type { Charge, ChargeOutcome } from './gateway.ts';

type StockReserved = Extract<EventOf<'inventory'>, { type: 'StockReserved' }>;

/** An event to handle and the correlation id it travelled with. */
export interface Incoming {
  event: StockReserved;
  correlationId: string;
}

/** Runs `fn` over `items` with at most `limit` at once; settles them all. */
async function settleAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function createPaymentService(deps: {
  pool: Pool;
  charge: Charge;
  group: string;
  chargeConcurrency: number;
}) {
  const { pool } = deps;

  /**
   * One payment per order, a batch at a time. The cards are charged concurrently and outside
   * any database transaction (a slow third party must not hold connections), each with an
   * idempotency key derived from its order; then the outcomes, the eventIds and the outgoing
   * events are written in ONE transaction. A crash in between redelivers the events; the same
   * keys make Stripe return the same PaymentIntents, so nobody is charged twice. When some
   * charges fail (the provider is down), the others are still recorded and the error is thrown
   * so that the consumer retries: the retry skips what is recorded.
   *
   * No claim is taken before charging (unlike email's): when a rebalance moves a partition while
   * its old owner is still charging, the new owner charges the same orders again under the same
   * keys, and that is harmless. Stripe answers a key with its first answer (a call overlapping
   * the first one gets a 409, which the SDK and then the consumer retry), and declines are decided
   * per order, so both owners hold the same outcome; the first to record it wins, the other's
   * claim of the eventId finds it taken and writes nothing. What it costs is a second call to
   * the provider, in a rebalance only.
   */
  async function apply(
    inputs: readonly Incoming[],
    sink: EventSink,
    ctx: { heartbeat?: () => Promise<void> } = {},
  ): Promise<AnyEvent[]> {
    if (inputs.length === 0) return [];
    const { rows: seen } = await pool.query<{ kind: 'event' | 'order'; id: string }>(
      `select 'event' as kind, event_id::text as id from processed_events
         where consumer_group = $1 and event_id = any($2::uuid[])
       union all
       select 'order', order_id::text from payments where order_id = any($3::uuid[])`,
      [deps.group, inputs.map((i) => i.event.eventId), inputs.map((i) => i.event.orderId)],
    );
    const done = new Set(seen.map((r) => r.id));
    const orders = new Set<string>();
    const todo = inputs.filter((i) => {
      const fresh = !done.has(i.event.eventId) && !done.has(i.event.orderId) && !orders.has(i.event.orderId);
      orders.add(i.event.orderId);
      return fresh;
    });
    if (todo.length === 0) return [];

    const settled = await settleAll(todo, deps.chargeConcurrency, (i) =>
      deps.charge({
        orderId: i.event.orderId,
        userId: i.event.userId,
        amountCents: i.event.totalCents,
        currency: i.event.currency,
        paymentMethod: i.event.paymentMethod,
      }),
    );
    const charged: { input: Incoming; outcome: ChargeOutcome }[] = [];
    let failure: unknown = null;
    settled.forEach((r, n) => {
      if (r.status === 'fulfilled') charged.push({ input: todo[n] as Incoming, outcome: r.value });
      else failure ??= r.reason;
    });

    // The cards are charged: wait for the database to record it rather than charge again.
    const out = charged.length === 0 ? [] : await retryWhileTransient(() => record(charged, sink), ctx);
    sink.committed(out);
    if (failure) throw failure;
    return out;
  }

  async function record(charged: { input: Incoming; outcome: ChargeOutcome }[], sink: EventSink) {
    return transaction(pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        deps.group,
        charged.map((c) => c.input.event.eventId),
      );
      const mine = charged.filter((c) => claimed.has(c.input.event.eventId));
      if (mine.length === 0) return [];
      const { rows } = await tx.query<{ order_id: string }>(
        `insert into payments (order_id, user_id, status, payment_intent_id, amount_cents, currency, decline_code, reason)
           select r.order_id, r.user_id, r.status, r.payment_intent_id, r.amount_cents, r.currency, r.decline_code, r.reason
             from jsonb_to_recordset($1::jsonb) as r(order_id uuid, user_id text, status text, payment_intent_id text,
                  amount_cents int, currency text, decline_code text, reason text)
         on conflict (order_id) do nothing returning order_id`,
        [
          JSON.stringify(
            mine.map(({ input: { event }, outcome }) => ({
              order_id: event.orderId,
              user_id: event.userId,
              status: outcome.status === 'succeeded' ? 'succeeded' : 'failed',
              payment_intent_id: outcome.paymentIntentId,
              amount_cents: event.totalCents,
              currency: event.currency,
              decline_code: outcome.status === 'declined' ? outcome.declineCode : null,
              reason: outcome.status === 'declined' ? outcome.reason : null,
            })),
          ),
        ],
      );
      const inserted = new Set(rows.map((r) => r.order_id));
      const results = mine
        .filter((c) => inserted.has(c.input.event.orderId))
        .map(({ input, outcome }) => ({ input, event: paymentEvent(input.event, outcome) }));
      await sink.write(
        tx,
        results.map((r) => ({
          topic: topics.payments,
          event: r.event,
          correlationId: r.input.correlationId,
        })),
      );
      return results.map((r) => r.event as AnyEvent);
    });
  }

  return { apply };
}

function paymentEvent(event: StockReserved, outcome: ChargeOutcome): EventOf<'payments'> {
  const about = { orderId: event.orderId, userId: event.userId };
  return outcome.status === 'succeeded'
    ? newEvent('PaymentSucceeded', about, {
        email: event.email,
        paymentIntentId: outcome.paymentIntentId,
        amountCents: outcome.amountCents,
        currency: event.currency,
      })
    : newEvent('PaymentFailed', about, {
        email: event.email,
        reason: outcome.reason,
        declineCode: outcome.declineCode,
      });
}

export type PaymentService = ReturnType<typeof createPaymentService>;
