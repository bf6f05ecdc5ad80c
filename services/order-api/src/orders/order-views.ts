import type { OrderLine } from '@akaso/contracts';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Db } from '../db.ts';
import { type SaleWindow, unitPrice } from '../menu.ts';
import { withDatabase } from './database-errors.ts';
import { type QuotaPolicy, type QuotaView, quotaView } from './quota.ts';
import type { OrderStatus } from './status.ts';

export interface StatusChange {
  id: string;
  status: OrderStatus;
  reason: string | null;
  at: string;
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
  /** The request's correlation id (the trace id when the order was traced: routes/orders.ts). */
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  history: StatusChange[];
}

export interface MenuItem {
  id: string;
  name: string;
  priceCents: number;
  salePriceCents: number;
  currency: string;
}

export interface ViewDeps {
  db: Db;
  pool: pg.Pool;
  clock: Clock;
  quota: QuotaPolicy;
  sale: SaleWindow;
  currency: string;
}

/** The read side: an order with its history, the status changes since an id, quota, menu. */
export function createOrderViews(deps: ViewDeps) {
  const { db } = deps;

  const change = (r: { id: bigint; status: string; reason: string | null; at: Date }): StatusChange => ({
    id: r.id.toString(),
    status: r.status as OrderStatus,
    reason: r.reason,
    at: r.at.toISOString(),
  });

  async function getOrder(orderId: string): Promise<OrderView | null> {
    const order = await withDatabase(() =>
      db.order.findUnique({ where: { id: orderId }, include: { history: { orderBy: { id: 'asc' } } } }),
    );
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
      correlationId: order.correlationId,
      createdAt: order.createdAt.toISOString(),
      updatedAt: order.updatedAt.toISOString(),
      history: order.history.map(change),
    };
  }

  async function historySince(orderId: string, afterId: bigint): Promise<StatusChange[]> {
    const rows = await withDatabase(() =>
      db.orderStatusHistory.findMany({ where: { orderId, id: { gt: afterId } }, orderBy: { id: 'asc' } }),
    );
    return rows.map(change);
  }

  /** The quota as the SQL rule sees it now (the same function place_order decides with). */
  const quotaFor = (userId: string): Promise<QuotaView> =>
    withDatabase(() => quotaView(deps.pool, deps.clock, userId, deps.quota));

  async function menu(): Promise<MenuItem[]> {
    const now = deps.clock.now();
    const burgers = await withDatabase(() =>
      db.burger.findMany({ where: { available: true }, orderBy: { priceCents: 'asc' } }),
    );
    return burgers.map((b) => ({
      id: b.id,
      name: b.name,
      priceCents: b.priceCents,
      salePriceCents: unitPrice(b.priceCents, deps.sale, now),
      currency: deps.currency,
    }));
  }

  return { getOrder, historySince, quotaFor, menu };
}

export type OrderViews = ReturnType<typeof createOrderViews>;
