import { type AnyEvent, type EventOf, newEvent } from '@akaso/contracts';
import { isTerminal, nextStatus, type OrderStatus } from './status.ts';

export type OrderStatusEvent = EventOf<'order-status'>;

export interface OrderRow {
  id: string;
  status: OrderStatus;
  email: string;
  items: unknown;
  total_cents: number;
  currency: string;
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

export interface BatchProjection {
  /** Each order that moved: its final state after the batch. */
  updates: { id: string; status: OrderStatus; reason: string | null; payment_intent_id: string | null }[];
  /** One history row per transition, in order. */
  history: { order_id: string; status: OrderStatus; reason: string | null }[];
  /** OrderConfirmed/OrderRejected, with the index of the input that caused each. */
  outgoing: { input: number; event: OrderStatusEvent }[];
  /** Per input: the status after it and whether it moved the order. */
  outcomes: { status: OrderStatus; changed: boolean }[];
}

/**
 * The order state machine over a batch, in delivery order, as if the events came one at a time:
 * a later event of the same order sees what the earlier ones did. Pure: the caller locks and
 * reads the rows, and writes the result set-based. Missing orders are the caller's to reject.
 */
export function projectBatch(
  events: readonly AnyEvent[],
  orders: ReadonlyMap<string, OrderRow>,
  now: Date,
): BatchProjection {
  const state = new Map<string, { status: OrderStatus; reason: string | null; pi: string | null }>();
  const out: BatchProjection = { updates: [], history: [], outgoing: [], outcomes: [] };
  events.forEach((event, i) => {
    const row = orders.get(event.orderId);
    if (!row) throw new Error(`projectBatch: order ${event.orderId} not loaded`);
    const current = state.get(row.id) ?? { status: row.status, reason: null, pi: null };
    const next = nextStatus(current.status, event);
    if (!next) {
      out.outcomes.push({ status: current.status, changed: false });
      return;
    }
    state.set(row.id, {
      status: next.status,
      reason: next.reason,
      pi: event.type === 'PaymentSucceeded' ? event.paymentIntentId : current.pi,
    });
    out.history.push({ order_id: row.id, status: next.status, reason: next.reason });
    out.outcomes.push({ status: next.status, changed: true });
    const announced = terminalEvent(event, row, next.status, next.reason, now);
    if (announced) out.outgoing.push({ input: i, event: announced });
  });
  for (const [id, s] of state)
    out.updates.push({ id, status: s.status, reason: s.reason, payment_intent_id: s.pi });
  return out;
}
