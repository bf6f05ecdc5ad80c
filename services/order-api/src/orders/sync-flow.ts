import { randomUUID } from 'node:crypto';
import type { AnyEvent } from '@akaso/contracts';
import { AppError } from '@akaso/service';
import type { OrderService, PlaceOrderInput } from './order-service.ts';
import type { OrderStatus } from './status.ts';

export interface SyncEndpoints {
  inventoryUrl: string;
  paymentUrl: string;
  emailUrl: string;
}

/**
 * The synchronous baseline the async design is compared with: the same business steps, done
 * inline over HTTP while the customer waits — reserve → charge → confirm → email — through small
 * internal endpoints of the same services, running the same domain code as their consumers.
 */
export function createSyncFlow(orders: OrderService, endpoints: SyncEndpoints) {
  async function call(url: string, body: unknown, correlationId: string): Promise<AnyEvent[]> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new AppError('UPSTREAM_FAILED', `${url}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new AppError('UPSTREAM_FAILED', `${url} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { events: AnyEvent[] }).events;
  }

  async function apply(events: AnyEvent[], correlationId: string) {
    let status: OrderStatus | null = null;
    const emitted: AnyEvent[] = [];
    for (const event of events) {
      const outcome = await orders.applyEvent(event, {
        group: 'order-status-sync',
        correlationId,
        emit: false,
      });
      if (outcome) {
        status = outcome.status;
        emitted.push(...outcome.emitted.map((e) => e.event as AnyEvent));
      }
    }
    return { status, emitted };
  }

  return async function placeSync(
    input: PlaceOrderInput,
    opts: { idempotencyKey?: string; correlationId: string },
  ) {
    const { correlationId } = opts;
    const accepted = await orders.placeOrder(input, { ...opts, mode: 'sync' });
    if (accepted.replayed || !accepted.placed) return accepted.body;
    let reserved: AnyEvent | undefined;
    try {
      const stock = await call(`${endpoints.inventoryUrl}/internal/reserve`, accepted.placed, correlationId);
      let result = await apply(stock, correlationId);
      const toEmail: AnyEvent[] = [...result.emitted];
      reserved = stock.find((e) => e.type === 'StockReserved');
      if (reserved) {
        const payment = await call(`${endpoints.paymentUrl}/internal/charge`, reserved, correlationId);
        result = await apply(payment, correlationId);
        toEmail.push(...result.emitted, ...payment.filter((e) => e.type === 'PaymentSucceeded'));
        const failed = payment.find((e) => e.type === 'PaymentFailed');
        if (failed) await call(`${endpoints.inventoryUrl}/internal/release`, failed, correlationId);
      }
      for (const event of toEmail) await call(`${endpoints.emailUrl}/internal/send`, event, correlationId);
    } catch (err) {
      // Paid and confirmed (only a mail failed): the order stands. Otherwise give back what was
      // reserved (best effort) and reject the order with the reason.
      if ((await orders.getOrder(accepted.body.orderId))?.status === 'confirmed') throw err;
      const reason = `sync processing failed: ${(err as Error).message.slice(0, 200)}`;
      if (reserved) {
        const release = {
          ...reserved,
          type: 'PaymentFailed',
          eventId: randomUUID(),
          reason,
          declineCode: null,
        };
        await call(
          `${endpoints.inventoryUrl}/internal/release`,
          stripForRelease(release),
          correlationId,
        ).catch(() => {});
      }
      await orders.abandon(accepted.body.orderId, reason);
      throw err;
    }
    const order = await orders.getOrder(accepted.body.orderId);
    return { ...accepted.body, status: order?.status ?? accepted.body.status, reason: order?.reason ?? null };
  };
}

export type PlaceSync = ReturnType<typeof createSyncFlow>;

/** A PaymentFailed event built from a StockReserved: only the fields PaymentFailed has. */
function stripForRelease(e: Record<string, unknown>) {
  const { type, version, eventId, orderId, userId, occurredAt, email, reason, declineCode } = e;
  return { type, version, eventId, orderId, userId, occurredAt, email, reason, declineCode };
}
