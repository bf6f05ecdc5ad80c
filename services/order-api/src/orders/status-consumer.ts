import type { AnyEvent } from '@akaso/contracts';
import { topics } from '@akaso/contracts';
import { type Pool, transaction } from '@akaso/db';
import { PermanentError } from '@akaso/kafka';
import { claimEvents, enqueue } from '@akaso/outbox';
import type { Clock } from '../clock.ts';
import type { OrderStatus } from './status.ts';
import { type OrderRow, projectBatch } from './status-batch.ts';
import { ORDER_STATUS_CHANNEL } from './status-projector.ts';

export interface StatusInput {
  event: AnyEvent;
  correlationId: string;
}

/**
 * The order-status consumer group's handler (the asynchronous path), a batch at a time in ONE
 * transaction with a constant number of statements: claim the eventIds, lock the orders, move
 * them in delivery order (projectBatch), write the orders, their history rows, one notification
 * per order for the SSE streams and every OrderConfirmed/OrderRejected to the outbox, set-based.
 * A redelivered event was claimed before and moves nothing.
 */
export function createStatusConsumer(deps: {
  pool: Pool;
  clock: Clock;
  group: string;
  onOutboxWrite(): void;
}) {
  return async function handle(
    inputs: readonly StatusInput[],
  ): Promise<{ status: OrderStatus; changed: boolean }[]> {
    const outcome = await transaction(deps.pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        deps.group,
        inputs.map((i) => i.event.eventId),
      );
      const todo = inputs.filter((i) => claimed.delete(i.event.eventId));
      if (todo.length === 0) return { outcomes: [], wrote: false };
      const ids = [...new Set(todo.map((i) => i.event.orderId))].sort();
      const { rows } = await tx.query<OrderRow>(
        `select id, status, email, items, total_cents, currency from orders
          where id = any($1::uuid[]) order by id for update`,
        [ids],
      );
      const orders = new Map(rows.map((r) => [r.id, r]));
      const missing = todo.find((i) => !orders.has(i.event.orderId));
      if (missing) throw new PermanentError('UNKNOWN_ORDER', `no order ${missing.event.orderId}`);
      const now = deps.clock.now();
      const p = projectBatch(
        todo.map((i) => i.event),
        orders,
        now,
      );
      if (p.updates.length > 0) {
        await tx.query(
          `update orders o set status = u.status, reason = u.reason, updated_at = $2,
                  payment_intent_id = coalesce(u.payment_intent_id, o.payment_intent_id)
             from jsonb_to_recordset($1::jsonb) as u(id uuid, status text, reason text, payment_intent_id text)
            where o.id = u.id`,
          [JSON.stringify(p.updates), now],
        );
        // History rows in transition order (their ids order an order's SSE stream).
        await tx.query(
          `insert into order_status_history (order_id, status, reason, at)
             select h.order_id, h.status, h.reason, $2
               from jsonb_to_recordset($1::jsonb) as h(n int, order_id uuid, status text, reason text)
              order by h.n`,
          [JSON.stringify(p.history.map((h, n) => ({ n, ...h }))), now],
        );
        await tx.query('select pg_notify($1, id) from unnest($2::text[]) as id', [
          ORDER_STATUS_CHANNEL,
          p.updates.map((u) => u.id),
        ]);
      }
      await enqueue(
        tx,
        p.outgoing.map((o) => ({
          topic: topics.orderStatus,
          event: o.event,
          correlationId: todo[o.input]?.correlationId ?? '',
        })),
      );
      return { outcomes: p.outcomes, wrote: p.outgoing.length > 0 };
    });
    if (outcome.wrote) deps.onOutboxWrite();
    return outcome.outcomes;
  };
}
