import { createHash } from 'node:crypto';
import { type EventOf, newEvent, type OrderLine, type OrderRequest, topics, uuidv7 } from '@akaso/contracts';
import { type OutboxRow, outboxRow } from '@akaso/outbox';
import { AppError } from '@akaso/service';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { type SaleWindow, unitPrice } from '../menu.ts';
import { withDatabase } from './database-errors.ts';
import type { MenuCache } from './menu-cache.ts';
import { createOrderWriter, type OrderWriterOptions } from './order-writer.ts';
import type { OrderAccepted } from './place-order-argument.ts';
import type { QuotaPolicy, QuotaState } from './quota.ts';

export type { OrderAccepted, PlaceOrderArgument, PlaceOrderResult } from './place-order-argument.ts';

export type OrderPlaced = Extract<EventOf<'orders'>, { type: 'OrderPlaced' }>;

/** The body of POST /orders, as its schema declares it. */
export type PlaceOrderInput = OrderRequest;

export interface PlaceOptions {
  idempotencyKey?: string;
  correlationId: string;
}

/**
 * How an accepted order's work gets done: the strategy is chosen per request, the placing is
 * the same. `async` hands OrderPlaced to Kafka through the outbox row written with the order;
 * `sync` (the baseline) writes no row, its caller runs the steps over HTTP.
 */
export interface Handoff {
  /** Recorded on the order (GET /orders/:id shows it). */
  readonly mode: 'async' | 'sync';
  /** The outbox row written in the order's transaction, or null. */
  outbox(placed: OrderPlaced, correlationId: string): OutboxRow | null;
  /** After the order committed. */
  committed(): void;
}

export const kafkaHandoff = (onOutboxWrite: () => void): Handoff => ({
  mode: 'async',
  outbox: (placed, correlationId) => outboxRow({ topic: topics.orders, event: placed, correlationId }),
  committed: onOutboxWrite,
});

export const inlineHandoff: Handoff = { mode: 'sync', outbox: () => null, committed: () => {} };

export type Placed =
  | { replayed: false; body: OrderAccepted; placed: OrderPlaced }
  | { replayed: true; body: OrderAccepted };

export interface PlacementDeps {
  pool: pg.Pool;
  clock: Clock;
  quota: QuotaPolicy;
  sale: SaleWindow;
  currency: string;
  menu: MenuCache;
  /** The order writer's bounds (orderWriterDefaults when not given). */
  writer?: OrderWriterOptions;
}

/** Canonical JSON of the request, so the same body in any key order is "the same request". */
function requestHash(input: PlaceOrderInput): string {
  const canonical = {
    userId: input.userId,
    email: input.email,
    paymentMethod: input.paymentMethod,
    items: [...input.items].sort((a, b) => a.burgerId.localeCompare(b.burgerId)),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The refusal in words, from the numbers the database decided with. */
export function quotaExceeded(q: QuotaState): AppError {
  const hours = q.windowHours;
  const when = q.availableAt ? `; ${q.requested} fit again at ${q.availableAt}` : '';
  return new AppError(
    'QUOTA_EXCEEDED',
    `at most ${q.limit} burgers per ${hours} hours: ${q.remaining} left, ${q.requested} requested${when}`,
    {
      limit: q.limit,
      used: q.used,
      remaining: q.remaining,
      requested: q.requested,
      nextFreeAt: q.nextFreeAt,
      availableAt: q.availableAt,
    },
  );
}

export function createOrderPlacement(deps: PlacementDeps) {
  const writer = createOrderWriter(deps.pool, deps.writer);
  async function priceLines(items: PlaceOrderInput['items'], now: Date): Promise<OrderLine[]> {
    const merged = new Map<string, number>();
    for (const item of items) merged.set(item.burgerId, (merged.get(item.burgerId) ?? 0) + item.quantity);
    const byId = await deps.menu.available();
    const unknown = [...merged.keys()].filter((id) => !byId.has(id));
    if (unknown.length > 0) {
      throw new AppError('UNKNOWN_BURGER', `unknown burger: ${unknown.join(', ')}`, { unknown });
    }
    return [...merged.entries()].map(([burgerId, quantity]) => {
      const burger = byId.get(burgerId);
      if (!burger) throw new Error('unreachable');
      return {
        burgerId,
        name: burger.name,
        quantity,
        unitPriceCents: unitPrice(burger.priceCents, deps.sale, now),
      };
    });
  }

  /**
   * One statement, in a transaction shared with the orders that arrive meanwhile (the writer's
   * group commit): place_order (sql/functions/place_order.sql) takes the user's lock,
   * checks the Idempotency-Key, lets quota_state decide, and writes the order, its first status
   * and the handoff's outbox row. Everything that needs no lock (prices, the event, the answer)
   * is prepared here first, so the database does only the locked part.
   */
  async function place(input: PlaceOrderInput, opts: PlaceOptions, handoff: Handoff): Promise<Placed> {
    return withDatabase(async () => {
      const now = deps.clock.now();
      const lines = await priceLines(input.items, now);
      const burgers = lines.reduce((n, l) => n + l.quantity, 0);
      const totalCents = lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);
      const orderId = uuidv7();
      const placed = newEvent(
        'OrderPlaced',
        { orderId, userId: input.userId },
        {
          email: input.email,
          items: lines,
          burgers,
          paymentMethod: input.paymentMethod,
          totalCents,
          currency: deps.currency,
        },
        now,
      );
      // The answer without its quota part, which the function adds from what it counted.
      const response: Omit<OrderAccepted, 'quota'> = {
        orderId,
        status: 'received',
        totalCents,
        currency: deps.currency,
        items: lines,
        links: { self: `/orders/${orderId}`, events: `/orders/${orderId}/events` },
      };
      const result = await writer.place({
        orderId,
        userId: input.userId,
        email: input.email,
        burgers,
        items: lines,
        totalCents,
        currency: deps.currency,
        paymentMethod: input.paymentMethod,
        mode: handoff.mode,
        correlationId: opts.correlationId,
        now: now.toISOString(),
        limit: deps.quota.limit,
        windowMs: deps.quota.windowMs,
        requestHash: requestHash(input),
        idempotencyKey: opts.idempotencyKey ?? null,
        response,
        outbox: handoff.outbox(placed, opts.correlationId),
      });
      switch (result.outcome) {
        case 'accepted':
          handoff.committed();
          return { replayed: false, body: result.body, placed };
        case 'replayed':
          return { replayed: true, body: result.body };
        case 'key_reused':
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was already used for a different request',
            { orderId: result.orderId },
          );
        case 'quota_exceeded':
          throw quotaExceeded(result.quota);
      }
    });
  }

  return { place };
}

export type OrderPlacement = ReturnType<typeof createOrderPlacement>;
