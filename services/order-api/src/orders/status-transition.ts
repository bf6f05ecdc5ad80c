import type { AnyEvent } from '@akaso/contracts';
import { PermanentError } from '@akaso/kafka';
import type pg from 'pg';
import { type BatchProjection, type OrderRow, projectBatch } from './status-batch.ts';

/** pg_notify channel: "order X changed", for the SSE streams of every instance (status-feed.ts). */
export const ORDER_STATUS_CHANNEL = 'order_status';

/** The orders, locked until the caller's transaction ends, in id order (two batches cannot deadlock). */
export async function lockOrders(tx: pg.ClientBase, ids: readonly string[]): Promise<Map<string, OrderRow>> {
  const { rows } = await tx.query<OrderRow>(
    `select id, status, email, items, total_cents, currency from orders
      where id = any($1::uuid[]) order by id for update`,
    [[...new Set(ids)].sort()],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** Writes what projectBatch decided: the orders, their history, one notification per order. */
export async function recordTransitions(
  tx: pg.ClientBase,
  p: Pick<BatchProjection, 'updates' | 'history'>,
  now: Date,
): Promise<void> {
  if (p.updates.length === 0) return;
  await tx.query('select record_order_status($1::jsonb, $2::jsonb, $3, $4)', [
    JSON.stringify(p.updates),
    JSON.stringify(p.history),
    now,
    ORDER_STATUS_CHANNEL,
  ]);
}

/**
 * The order status transition, the one implementation both paths use: in the caller's
 * transaction, lock the events' orders, move them in delivery order with the state machine
 * (projectBatch, status.ts) and record the result (record_order_status, sql/functions/). The
 * order-status consumer calls it for a batch after claiming the eventIds; the synchronous
 * baseline for one event. What a terminal order announces comes back in `outgoing`.
 */
export async function applyStatusEvents(
  tx: pg.ClientBase,
  events: readonly AnyEvent[],
  now: Date,
): Promise<BatchProjection> {
  const orders = await lockOrders(
    tx,
    events.map((e) => e.orderId),
  );
  const missing = events.find((e) => !orders.has(e.orderId));
  if (missing) throw new PermanentError('UNKNOWN_ORDER', `no order ${missing.orderId}`);
  const p = projectBatch(events, orders, now);
  await recordTransitions(tx, p, now);
  return p;
}
