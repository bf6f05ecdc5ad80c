import { type AnyEvent, type EventOf, newEvent } from '@akaso/contracts';
import { PermanentError } from '@akaso/kafka';
import type { Clock } from '../clock.ts';
import type { Db, Tx } from '../db.ts';
import { withDatabase } from './database-errors.ts';
import { isTerminal, nextStatus, type OrderStatus } from './status.ts';

/** pg_notify channel: "order X changed", for the SSE streams of every instance (status-feed.ts). */
export const ORDER_STATUS_CHANNEL = 'order_status';

export type OrderStatusEvent = EventOf<'order-status'>;

export interface Projection {
  status: OrderStatus;
  changed: boolean;
  /** OrderConfirmed/OrderRejected when the order reached a terminal state: the caller delivers it. */
  outgoing: OrderStatusEvent | null;
}

/** What a terminal order announces: OrderConfirmed or OrderRejected (null before that). */
export function terminalEvent(
  event: AnyEvent,
  order: { email: string; items: unknown; total_cents: number; currency: string },
  status: OrderStatus,
  reason: string | null,
  now: Date,
): OrderStatusEvent | null {
  if (!isTerminal(status)) return null;
  const about = { orderId: event.orderId, userId: event.userId };
  return status === 'confirmed'
    ? newEvent(
        'OrderConfirmed',
        about,
        {
          email: order.email,
          items: order.items as Extract<OrderStatusEvent, { type: 'OrderConfirmed' }>['items'],
          totalCents: order.total_cents,
          currency: order.currency,
          paymentIntentId: event.type === 'PaymentSucceeded' ? event.paymentIntentId : '',
        },
        now,
      )
    : newEvent(
        'OrderRejected',
        about,
        {
          email: order.email,
          reason: reason ?? 'rejected',
          stage: event.type === 'StockRejected' ? 'inventory' : 'payment',
        },
        now,
      );
}

/**
 * Moves an order on an inventory/payment event. It knows nothing of how the event arrived or
 * where the outcome goes: the order-status consumer claims the eventId and writes `outgoing` to
 * the outbox in the same transaction (status-consumer.ts); the synchronous baseline hands it to
 * the email service over HTTP (sync-flow.ts).
 */
export function createStatusProjector({ db, clock }: { db: Db; clock: Clock }) {
  /** In the caller's transaction: the status, its history row, and a notification on commit. */
  async function project(tx: Tx, event: AnyEvent): Promise<Projection> {
    const rows = await tx.$queryRawUnsafe<
      { status: OrderStatus; email: string; items: unknown; total_cents: number; currency: string }[]
    >(
      'select status, email, items, total_cents, currency from orders where id = $1::uuid for update',
      event.orderId,
    );
    const order = rows[0];
    if (!order) throw new PermanentError('UNKNOWN_ORDER', `no order ${event.orderId}`);
    const next = nextStatus(order.status, event);
    // A late or redundant event (e.g. StockReserved after the payment already confirmed it).
    if (!next) return { status: order.status, changed: false, outgoing: null };
    const now = clock.now();
    await tx.order.update({
      where: { id: event.orderId },
      data: {
        status: next.status,
        reason: next.reason,
        updatedAt: now,
        ...(event.type === 'PaymentSucceeded' ? { paymentIntentId: event.paymentIntentId } : {}),
      },
    });
    await tx.orderStatusHistory.create({
      data: { orderId: event.orderId, status: next.status, reason: next.reason, at: now },
    });
    await tx.$executeRawUnsafe('select pg_notify($1, $2)', ORDER_STATUS_CHANNEL, event.orderId);
    return {
      status: next.status,
      changed: true,
      outgoing: terminalEvent(event, order, next.status, next.reason, now),
    };
  }

  /** One event in its own transaction, the outcome handed back (the synchronous baseline). */
  const apply = (event: AnyEvent): Promise<Projection> =>
    withDatabase(() => db.$transaction((tx) => project(tx, event)));

  /**
   * The synchronous baseline could not finish: the order is rejected with the reason, so it
   * stops counting towards the quota and no order is left "received" forever.
   */
  async function abandon(orderId: string, reason: string): Promise<void> {
    await withDatabase(() =>
      db.$transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ status: OrderStatus }[]>(
          'select status from orders where id = $1::uuid for update',
          orderId,
        );
        const status = rows[0]?.status;
        if (!status || isTerminal(status)) return;
        const now = clock.now();
        await tx.order.update({
          where: { id: orderId },
          data: { status: 'rejected', reason, updatedAt: now },
        });
        await tx.orderStatusHistory.create({ data: { orderId, status: 'rejected', reason, at: now } });
        await tx.$executeRawUnsafe('select pg_notify($1, $2)', ORDER_STATUS_CHANNEL, orderId);
      }),
    );
  }

  /** The order's current status and reason (null: no such order). */
  async function statusOf(orderId: string): Promise<{ status: OrderStatus; reason: string | null } | null> {
    const row = await withDatabase(() =>
      db.order.findUnique({ where: { id: orderId }, select: { status: true, reason: true } }),
    );
    return row ? { status: row.status as OrderStatus, reason: row.reason } : null;
  }

  return { project, apply, abandon, statusOf };
}

export type StatusProjector = ReturnType<typeof createStatusProjector>;
