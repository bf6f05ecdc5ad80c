import type { AnyEvent } from '@akaso/contracts';
import { type Pool, transaction } from '@akaso/db';
import type { Clock } from '../clock.ts';
import { withDatabase } from './database-errors.ts';
import { isTerminal, type OrderStatus } from './status.ts';
import type { OrderStatusEvent } from './status-batch.ts';
import { applyStatusEvents, lockOrders, recordTransitions } from './status-transition.ts';

export interface Projection {
  status: OrderStatus;
  changed: boolean;
  /** OrderConfirmed/OrderRejected when the order reached a terminal state: the caller delivers it. */
  outgoing: OrderStatusEvent | null;
}

/**
 * The synchronous baseline's side of the order status (sync-flow.ts): it moves an order on one
 * inventory/payment event, in a transaction of its own, with the same transition as the
 * order-status consumer (status-transition.ts), and hands back what a terminal order announces,
 * which the baseline delivers to the email service over HTTP.
 */
export function createStatusProjector({ pool, clock }: { pool: Pool; clock: Clock }) {
  const apply = (event: AnyEvent): Promise<Projection> =>
    withDatabase(() =>
      transaction(pool, async (tx) => {
        const p = await applyStatusEvents(tx, [event], clock.now());
        const outcome = p.outcomes[0];
        if (!outcome) throw new Error('applyStatusEvents returned no outcome for its one event');
        return { ...outcome, outgoing: p.outgoing[0]?.event ?? null };
      }),
    );

  /**
   * The synchronous baseline could not finish: the order is rejected with the reason, so it
   * stops counting towards the quota and no order is left "received" forever.
   */
  async function abandon(orderId: string, reason: string): Promise<void> {
    await withDatabase(() =>
      transaction(pool, async (tx) => {
        const status = (await lockOrders(tx, [orderId])).get(orderId)?.status;
        if (!status || isTerminal(status)) return;
        await recordTransitions(
          tx,
          {
            updates: [{ id: orderId, status: 'rejected', reason, payment_intent_id: null }],
            history: [{ order_id: orderId, status: 'rejected', reason }],
          },
          clock.now(),
        );
      }),
    );
  }

  /** The order's current status and reason (null: no such order). */
  async function statusOf(orderId: string): Promise<{ status: OrderStatus; reason: string | null } | null> {
    const { rows } = await withDatabase(() =>
      pool.query<{ status: OrderStatus; reason: string | null }>(
        'select status, reason from orders where id = $1::uuid',
        [orderId],
      ),
    );
    return rows[0] ?? null;
  }

  return { apply, abandon, statusOf };
}

export type StatusProjector = ReturnType<typeof createStatusProjector>;
