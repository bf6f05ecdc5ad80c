import { createHash, randomUUID } from 'node:crypto';
import { type AnyEvent, type OrderLine, topics } from '@akaso/contracts';
import { PermanentError } from '@akaso/kafka';
import { claimEvent, enqueue, type OutgoingEvent, outboxRow } from '@akaso/outbox';
import { AppError } from '@akaso/service';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Db, Tx } from '../db.ts';
import { type SaleWindow, unitPrice } from '../menu.ts';
import { type CountedOrder, evaluateQuota, type QuotaPolicy, type QuotaState } from './quota.ts';
import { isTerminal, nextStatus, type OrderStatus } from './status.ts';

export interface PlaceOrderInput {
  userId: string;
  email: string;
  items: { burgerId: string; quantity: number }[];
  paymentMethod: string;
}

export interface QuotaView {
  limit: number;
  used: number;
  remaining: number;
  windowHours: number;
  nextFreeAt: string | null;
}

export interface OrderAccepted {
  orderId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  items: OrderLine[];
  links: { self: string; events: string };
  quota: QuotaView;
}

export interface OrderView {
  orderId: string;
  userId: string;
  status: OrderStatus;
  reason: string | null;
  mode: string;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  paymentIntentId: string | null;
  createdAt: string;
  updatedAt: string;
  history: StatusChange[];
}

export interface StatusChange {
  id: string;
  status: OrderStatus;
  reason: string | null;
  at: string;
}

export interface OrderServiceDeps {
  db: Db;
  /** The pool under `db`, for place_order (one round trip). */
  pool: pg.Pool;
  clock: Clock;
  quota: QuotaPolicy;
  sale: SaleWindow;
  currency: string;
  /** Called after a transaction that wrote outbox rows committed. */
  onOutboxWrite(): void;
}

const ORDER_STATUS_CHANNEL = 'order_status';

const PLACE_ORDER_SQL = `select place_order($1::uuid, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11::timestamptz,
  $12, $13, $14, $15, $16::jsonb, $17::jsonb) as r`;

type PlaceOrderOutcome =
  | { outcome: 'accepted' | 'replayed'; body: OrderAccepted }
  | { outcome: 'key_reused'; orderId: string }
  | { outcome: 'quota_exceeded'; counted: { burgers: number; createdAt: string }[] };

export { ORDER_STATUS_CHANNEL };

function quotaView(state: QuotaState, policy: QuotaPolicy): QuotaView {
  return {
    limit: state.limit,
    used: state.used,
    remaining: state.remaining,
    windowHours: policy.windowMs / 3_600_000,
    nextFreeAt: state.nextFreeAt?.toISOString() ?? null,
  };
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

export function createOrderService(deps: OrderServiceDeps) {
  const { db, clock } = deps;

  async function countedOrders(tx: Tx | Db, userId: string, now: Date): Promise<CountedOrder[]> {
    const since = new Date(now.getTime() - deps.quota.windowMs);
    // Rejected orders stop counting; everything else in the window counts, whatever its state.
    const rows = await tx.order.findMany({
      where: { userId, createdAt: { gt: since }, status: { not: 'rejected' } },
      select: { burgers: true, createdAt: true },
    });
    return rows;
  }

  // The menu changes rarely; reading it once a second saves a query on every order.
  let menuCache: { at: number; byId: Map<string, { name: string; priceCents: number }> } | null = null;
  async function availableBurgers() {
    if (!menuCache || Date.now() - menuCache.at > 1_000) {
      const rows = await db.burger.findMany({ where: { available: true } });
      menuCache = { at: Date.now(), byId: new Map(rows.map((b) => [b.id, b])) };
    }
    return menuCache.byId;
  }

  async function priceLines(items: PlaceOrderInput['items'], now: Date): Promise<OrderLine[]> {
    const merged = new Map<string, number>();
    for (const item of items) merged.set(item.burgerId, (merged.get(item.burgerId) ?? 0) + item.quantity);
    const byId = await availableBurgers();
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
   * One statement, one transaction (the place_order SQL function, see its migration):
   * (idempotency key) → quota check under a per-user lock → the order, its first status, and
   * OrderPlaced in the outbox. Two requests of one user serialize on the lock, so 50 concurrent
   * requests can never accept more than the limit. Everything that needs no lock (prices, the
   * event, the answer) is prepared here first, so the database does only the locked part.
   */
  async function placeOrder(
    input: PlaceOrderInput,
    opts: { idempotencyKey?: string; correlationId: string; mode: 'async' | 'sync' },
  ): Promise<{ replayed: boolean; body: OrderAccepted; placed?: AnyEvent }> {
    const now = clock.now();
    const lines = await priceLines(input.items, now);
    const burgers = lines.reduce((n, l) => n + l.quantity, 0);
    const totalCents = lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);
    const orderId = randomUUID();
    const placed: AnyEvent = {
      type: 'OrderPlaced',
      version: 1,
      eventId: randomUUID(),
      orderId,
      userId: input.userId,
      occurredAt: now.toISOString(),
      email: input.email,
      items: lines,
      burgers,
      paymentMethod: input.paymentMethod,
      totalCents,
      currency: deps.currency,
    };
    // The synchronous baseline does the same steps over HTTP instead of through Kafka.
    const outbox =
      opts.mode === 'async'
        ? outboxRow({ topic: topics.orders, event: placed, correlationId: opts.correlationId })
        : null;
    // The answer without its quota part, which the function adds from what it counted.
    const response: Omit<OrderAccepted, 'quota'> = {
      orderId,
      status: 'received',
      totalCents,
      currency: deps.currency,
      items: lines,
      links: { self: `/orders/${orderId}`, events: `/orders/${orderId}/events` },
    };
    const result = await callPlaceOrder([
      orderId,
      input.userId,
      input.email,
      burgers,
      JSON.stringify(lines),
      totalCents,
      deps.currency,
      input.paymentMethod,
      opts.mode,
      opts.correlationId,
      now,
      deps.quota.limit,
      deps.quota.windowMs,
      requestHash(input),
      opts.idempotencyKey ?? null,
      JSON.stringify(response),
      outbox && JSON.stringify(outbox),
    ]);
    switch (result.outcome) {
      case 'accepted':
        if (opts.mode === 'async') deps.onOutboxWrite();
        return { replayed: false, body: result.body, placed };
      case 'replayed':
        return { replayed: true, body: result.body };
      case 'key_reused':
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was already used for a different request',
          {
            orderId: result.orderId,
          },
        );
      case 'quota_exceeded': {
        const counted = result.counted.map((o) => ({ burgers: o.burgers, createdAt: new Date(o.createdAt) }));
        const state = evaluateQuota(counted, burgers, now, deps.quota);
        throw new AppError(
          'QUOTA_EXCEEDED',
          `at most ${deps.quota.limit} burgers per ${deps.quota.windowMs / 3_600_000} hours: ${state.remaining} left, ${burgers} requested`,
          {
            limit: state.limit,
            used: state.used,
            remaining: state.remaining,
            requested: burgers,
            nextFreeAt: state.nextFreeAt?.toISOString() ?? null,
            availableAt: state.availableAt?.toISOString() ?? null,
          },
        );
      }
    }
  }

  async function callPlaceOrder(params: unknown[]): Promise<PlaceOrderOutcome> {
    try {
      const { rows } = await deps.pool.query<{ r: PlaceOrderOutcome }>(PLACE_ORDER_SQL, params);
      const outcome = rows[0]?.r;
      if (!outcome) throw new Error('place_order returned nothing');
      return outcome;
    } catch (err) {
      // pg's pool could not hand out a connection in time: saturated, not broken.
      if ((err as Error).message === 'timeout exceeded when trying to connect') {
        throw new AppError('OVERLOADED', 'too many orders at once, retry in a moment', {}, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Moves an order on an inventory/payment event (the order-status group, or the synchronous
   * baseline). In the same transaction: the eventId is recorded (a redelivery does nothing),
   * the status and its history change, OrderConfirmed/OrderRejected go to the outbox, and
   * listeners (SSE) are notified on commit.
   */
  async function applyEvent(
    event: AnyEvent,
    opts: { group: string; correlationId: string; emit: boolean },
  ): Promise<{ status: OrderStatus; changed: boolean; emitted: OutgoingEvent[] } | null> {
    const outcome = await db.$transaction(async (tx) => {
      if (!(await claimEvent(tx, opts.group, event.eventId))) return null;
      const rows = await tx.$queryRawUnsafe<
        { status: OrderStatus; email: string; items: OrderLine[]; total_cents: number; currency: string }[]
      >(
        'select status, email, items, total_cents, currency from orders where id = $1::uuid for update',
        event.orderId,
      );
      const order = rows[0];
      if (!order) throw new PermanentError('UNKNOWN_ORDER', `no order ${event.orderId}`);
      const next = nextStatus(order.status, event);
      // A late or redundant event (e.g. StockReserved after the payment already confirmed it).
      if (!next) return { status: order.status, changed: false, emitted: [] };
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
      const emitted: OutgoingEvent[] = [];
      if (isTerminal(next.status)) {
        const base = {
          version: 1 as const,
          eventId: randomUUID(),
          orderId: event.orderId,
          userId: event.userId,
          occurredAt: now.toISOString(),
          email: order.email,
        };
        const outgoing: AnyEvent =
          next.status === 'confirmed'
            ? {
                ...base,
                type: 'OrderConfirmed',
                items: order.items,
                totalCents: order.total_cents,
                currency: order.currency,
                paymentIntentId: event.type === 'PaymentSucceeded' ? event.paymentIntentId : '',
              }
            : {
                ...base,
                type: 'OrderRejected',
                reason: next.reason ?? 'rejected',
                stage: event.type === 'StockRejected' ? 'inventory' : 'payment',
              };
        emitted.push({ topic: topics.orderStatus, event: outgoing, correlationId: opts.correlationId });
        if (opts.emit) await enqueue(tx, emitted);
      }
      await tx.$executeRawUnsafe('select pg_notify($1, $2)', ORDER_STATUS_CHANNEL, event.orderId);
      return { status: next.status, changed: true, emitted };
    });
    if (outcome && opts.emit && outcome.emitted.length > 0) deps.onOutboxWrite();
    return outcome;
  }

  /**
   * The synchronous baseline could not finish (an internal call failed or timed out): the order
   * is rejected with the reason, so it stops counting towards the quota and no order is left
   * "received" forever.
   */
  async function abandon(orderId: string, reason: string): Promise<void> {
    await db.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ status: OrderStatus }[]>(
        'select status from orders where id = $1::uuid for update',
        orderId,
      );
      const status = rows[0]?.status;
      if (!status || isTerminal(status)) return;
      const now = clock.now();
      await tx.order.update({ where: { id: orderId }, data: { status: 'rejected', reason, updatedAt: now } });
      await tx.orderStatusHistory.create({ data: { orderId, status: 'rejected', reason, at: now } });
      await tx.$executeRawUnsafe('select pg_notify($1, $2)', ORDER_STATUS_CHANNEL, orderId);
    });
  }

  async function getOrder(orderId: string): Promise<OrderView | null> {
    const order = await db.order.findUnique({
      where: { id: orderId },
      include: { history: { orderBy: { id: 'asc' } } },
    });
    if (!order) return null;
    return {
      orderId: order.id,
      userId: order.userId,
      status: order.status as OrderStatus,
      reason: order.reason,
      mode: order.mode,
      items: order.items as unknown as OrderLine[],
      totalCents: order.totalCents,
      currency: order.currency,
      paymentIntentId: order.paymentIntentId,
      createdAt: order.createdAt.toISOString(),
      updatedAt: order.updatedAt.toISOString(),
      history: order.history.map((hst) => ({
        id: hst.id.toString(),
        status: hst.status as OrderStatus,
        reason: hst.reason,
        at: hst.at.toISOString(),
      })),
    };
  }

  async function historySince(orderId: string, afterId: bigint): Promise<StatusChange[]> {
    const rows = await db.orderStatusHistory.findMany({
      where: { orderId, id: { gt: afterId } },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => ({
      id: r.id.toString(),
      status: r.status as OrderStatus,
      reason: r.reason,
      at: r.at.toISOString(),
    }));
  }

  async function quotaFor(userId: string): Promise<QuotaView> {
    const now = clock.now();
    return quotaView(evaluateQuota(await countedOrders(db, userId, now), 1, now, deps.quota), deps.quota);
  }

  async function menu() {
    const now = clock.now();
    const burgers = await db.burger.findMany({ where: { available: true }, orderBy: { priceCents: 'asc' } });
    return burgers.map((b) => ({
      id: b.id,
      name: b.name,
      priceCents: b.priceCents,
      salePriceCents: unitPrice(b.priceCents, deps.sale, now),
      currency: deps.currency,
    }));
  }

  return { placeOrder, applyEvent, abandon, getOrder, historySince, quotaFor, menu };
}

export type OrderService = ReturnType<typeof createOrderService>;
