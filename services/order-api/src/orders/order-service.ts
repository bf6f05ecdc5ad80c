import { createMenuCache } from './menu-cache.ts';
import { createOrderViews, type ViewDeps } from './order-views.ts';
import type { OrderWriterOptions } from './order-writer.ts';
import {
  createOrderPlacement,
  kafkaHandoff,
  type PlaceOptions,
  type PlaceOrderInput,
} from './place-order.ts';

export type { OrderView, StatusChange } from './order-views.ts';
export type { OrderAccepted, PlaceOrderInput } from './place-order.ts';
export type { QuotaView } from './quota.ts';

/** The views' dependencies (the pool under `db` serves place_order and quota_state), and: */
export interface OrderServiceDeps extends ViewDeps {
  /** Called after an order and its OrderPlaced outbox row committed (wakes the relay). */
  onOutboxWrite(): void;
  /** The order writer's bounds (its queue, batch and transactions in flight). */
  writer?: OrderWriterOptions;
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
