import type { Logger } from '@akaso/config';
import { type AnyEvent, type EventByType, newEvent } from '@akaso/contracts';
import { AppError, internalAuthHeaders } from '@akaso/service';
import type { OrderAccepted, OrderPlaced, Placed, PlaceOptions, PlaceOrderInput } from './place-order.ts';
import type { OrderStatus } from './status.ts';
import type { Projection } from './status-projector.ts';

export interface SyncEndpoints {
  inventoryUrl: string;
  paymentUrl: string;
  emailUrl: string;
}

/** The domain steps the baseline runs; the service wires the database-backed ones. */
export interface SyncFlowDeps {
  /** Places the order without an outbox row (the inline handoff). */
  place(input: PlaceOrderInput, opts: PlaceOptions): Promise<Placed>;
  /** Moves the order on one event; the outgoing OrderConfirmed/OrderRejected comes back. */
  apply(event: AnyEvent): Promise<Projection>;
  /** Rejects a non-terminal order with the reason (it stops counting towards the quota). */
  abandon(orderId: string, reason: string): Promise<void>;
  statusOf(orderId: string): Promise<{ status: OrderStatus; reason: string | null } | null>;
  endpoints: SyncEndpoints;
  /** INTERNAL_API_TOKEN: the internal endpoints refuse a call without it. */
  internalToken: string;
  /** How long the customer waits for one step before the answer is a 502. */
  stepTimeoutMs: number;
  /** How long a step that outlived the customer's wait is still awaited, to settle the order. */
  settleTimeoutMs: number;
  logger: Logger;
}

type Step = 'inventory' | 'payment' | 'email';
type PaymentFailed = EventByType['PaymentFailed'];

/**
 * Why a step failed. `rejected` (a 4xx) means the endpoint refused the request and did nothing;
 * `failed` (a 5xx), `unreachable` and `timeout` mean its effect is unknown.
 */
class StepFailed extends Error {
  readonly step: Step;
  readonly kind: 'rejected' | 'failed' | 'unreachable' | 'timeout';
  constructor(step: Step, kind: StepFailed['kind']) {
    super(
      kind === 'timeout'
        ? `${step} did not answer in time`
        : kind === 'unreachable'
          ? `${step} is unreachable`
          : `${step} refused the request`,
    );
    this.step = step;
    this.kind = kind;
    this.name = 'StepFailed';
  }
}

/** The customer's answer: a stable code and a message naming the step, never a URL or an upstream body. */
const upstreamFailed = (message: string, orderId: string, cause: unknown) =>
  new AppError('UPSTREAM_FAILED', message, { orderId }, { cause });

/**
 * The synchronous baseline the async design is compared with: the same business steps, done
 * inline over HTTP while the customer waits — reserve → charge → confirm → email — through the
 * internal endpoints of the same services, running the same domain code as their consumers.
 *
 * Compensation follows what is KNOWN, never a guess:
 * - the reservation failed or timed out: nothing was charged, so the order is rejected at once,
 *   and a reservation that still lands later is released when its answer arrives;
 * - the charge was refused (4xx) or declined: the stock is released and the order rejected;
 * - the charge's outcome is unknown (timeout, 5xx, connection lost): the card may be charged,
 *   so nothing is released or rejected. The customer gets 502 at once; a late answer settles the
 *   order (confirmed, or released and rejected); with no answer at all the order stays
 *   `reserved` and an error is logged for a person to reconcile.
 * - only an email failed: the order is confirmed and paid; it stands and the answer says so.
 */
export function createSyncFlow(deps: SyncFlowDeps) {
  const { endpoints, logger } = deps;
  const settling = new Set<Promise<void>>();

  async function post(step: Step, url: string, body: unknown, correlationId: string): Promise<AnyEvent[]> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-correlation-id': correlationId,
          ...internalAuthHeaders(deps.internalToken),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(deps.settleTimeoutMs),
      });
    } catch (err) {
      logger.warn({ step, url, err: (err as Error).message, correlationId }, 'sync step unreachable');
      throw new StepFailed(step, (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable');
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      logger.warn(
        { step, url, status: res.status, body: text.slice(0, 1_000), correlationId },
        'sync step failed',
      );
      throw new StepFailed(step, res.status < 500 ? 'rejected' : 'failed');
    }
    return ((await res.json()) as { events: AnyEvent[] }).events;
  }

  /** The customer waits at most stepTimeoutMs; the call itself goes on (see settleTimeoutMs). */
  function within<T>(step: Step, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StepFailed(step, 'timeout')), deps.stepTimeoutMs);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  function inBackground(work: Promise<void>) {
    const tracked = work.finally(() => settling.delete(tracked));
    settling.add(tracked);
  }

  const releaseFor = (order: OrderPlaced, reason: string): PaymentFailed =>
    newEvent(
      'PaymentFailed',
      { orderId: order.orderId, userId: order.userId },
      { email: order.email, reason, declineCode: null },
    );

  /** Gives the stock back; best effort (a failure leaves the reservation, logged). */
  async function release(event: PaymentFailed, correlationId: string) {
    await post('inventory', `${endpoints.inventoryUrl}/internal/release`, event, correlationId).catch(
      (err: unknown) =>
        logger.error({ orderId: event.orderId, err: (err as Error).message }, 'sync: stock not released'),
    );
  }

  async function applyAll(events: AnyEvent[]): Promise<AnyEvent[]> {
    const outgoing: AnyEvent[] = [];
    for (const event of events) {
      const p = await deps.apply(event);
      if (p.outgoing) outgoing.push(p.outgoing);
    }
    return outgoing;
  }

  /** After the charge answered: the status, a declined card's stock back, the emails. */
  async function settleCharge(order: OrderPlaced, payment: AnyEvent[], correlationId: string): Promise<void> {
    const toEmail = [...(await applyAll(payment)), ...payment.filter((e) => e.type === 'PaymentSucceeded')];
    const failed = payment.find((e): e is PaymentFailed => e.type === 'PaymentFailed');
    if (failed) await release(failed, correlationId);
    await sendEmails(order.orderId, toEmail, correlationId);
  }

  /** A mail that fails does not undo a confirmed, paid order: it is logged, the order stands. */
  async function sendEmails(orderId: string, events: AnyEvent[], correlationId: string) {
    for (const event of events) {
      await post('email', `${endpoints.emailUrl}/internal/send`, event, correlationId).catch((err: unknown) =>
        logger.warn({ orderId, type: event.type, err: (err as Error).message }, 'sync: email not sent'),
      );
    }
  }

  async function placeSync(
    input: PlaceOrderInput,
    opts: PlaceOptions,
  ): Promise<OrderAccepted & { reason?: string | null }> {
    const { correlationId } = opts;
    const placed = await deps.place(input, opts);
    if (placed.replayed) return placed.body;
    const order = placed.placed;
    const { orderId } = order;

    const reserving = post('inventory', `${endpoints.inventoryUrl}/internal/reserve`, order, correlationId);
    let stock: AnyEvent[];
    try {
      stock = await within('inventory', reserving);
    } catch (err) {
      // Nothing can have been charged: reject now. A reservation landing after the timeout is
      // given back as soon as its answer arrives.
      const reason = `sync processing failed: ${(err as Error).message}`;
      await deps.abandon(orderId, reason);
      if (err instanceof StepFailed && err.kind === 'timeout') {
        inBackground(
          reserving.then(
            async (late) => {
              if (late.some((e) => e.type === 'StockReserved'))
                await release(releaseFor(order, reason), correlationId);
            },
            () => {},
          ),
        );
      }
      throw upstreamFailed(`the order could not be processed: ${(err as Error).message}`, orderId, err);
    }

    const toEmail = await applyAll(stock);
    const reserved = stock.find((e) => e.type === 'StockReserved');
    if (reserved) {
      const charging = post('payment', `${endpoints.paymentUrl}/internal/charge`, reserved, correlationId);
      let payment: AnyEvent[];
      try {
        payment = await within('payment', charging);
      } catch (err) {
        if (err instanceof StepFailed && err.kind === 'rejected') {
          // Refused before charging: safe to give the stock back and reject.
          const reason = `sync processing failed: ${err.message}`;
          await release(releaseFor(order, reason), correlationId);
          await deps.abandon(orderId, reason);
          throw upstreamFailed(`the order could not be processed: ${err.message}`, orderId, err);
        }
        // The card may have been charged: settle from the late answer, never from a guess.
        inBackground(
          charging.then(
            (late) => settleCharge(order, late, correlationId),
            (lateErr: unknown) =>
              logger.error(
                { orderId, err: (lateErr as Error).message },
                'sync: payment outcome unknown, the order stays reserved until reconciled',
              ),
          ),
        );
        throw upstreamFailed(
          `${(err as Error).message}: the order stays reserved until the payment's outcome is known`,
          orderId,
          err,
        );
      }
      await settleCharge(order, payment, correlationId);
    } else {
      await sendEmails(orderId, toEmail, correlationId);
    }
    const now = await deps.statusOf(orderId);
    return { ...placed.body, status: now?.status ?? placed.body.status, reason: now?.reason ?? null };
  }

  return Object.assign(placeSync, {
    /** Resolves when every late answer in hand has been settled (tests, shutdown). */
    settled: async () => {
      while (settling.size > 0) await Promise.allSettled([...settling]);
    },
  });
}

export type PlaceSync = ReturnType<typeof createSyncFlow>;
