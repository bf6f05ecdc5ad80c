import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Db } from '../db.ts';
import type { SaleWindow } from '../menu.ts';
import { createMenuCache } from './menu-cache.ts';
import { createOrderViews } from './order-views.ts';
import {
  createOrderPlacement,
  kafkaHandoff,
  type PlaceOptions,
  type PlaceOrderInput,
} from './place-order.ts';
import type { QuotaPolicy } from './quota.ts';

export type { OrderView, StatusChange } from './order-views.ts';
export type { OrderAccepted, PlaceOrderInput } from './place-order.ts';
export type { QuotaView } from './quota.ts';

export interface OrderServiceDeps {
  db: Db;
  /** The pool under `db`, for place_order and quota_state (one round trip each). */
  pool: pg.Pool;
  clock: Clock;
  quota: QuotaPolicy;
  sale: SaleWindow;
  currency: string;
  /** Called after an order and its OrderPlaced outbox row committed (wakes the relay). */
  onOutboxWrite(): void;
}

/**
 * What the HTTP routes use: placing an order the asynchronous way (place-order.ts, OrderPlaced
 * through the outbox) and the read views (order-views.ts). Applying status events lives in
 * status-projector.ts, the synchronous baseline in sync-flow.ts.
 */
export function createOrderService(deps: OrderServiceDeps) {
  const placement = createOrderPlacement({ ...deps, menu: createMenuCache(deps.db) });
  const handoff = kafkaHandoff(deps.onOutboxWrite);
  return {
    placement,
    placeOrder: (input: PlaceOrderInput, opts: PlaceOptions) => placement.place(input, opts, handoff),
    ...createOrderViews(deps),
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
