import type { OrderLine } from '@akaso/contracts';
import type { OutboxRow } from '@akaso/outbox';
import type { QuotaState, QuotaView } from './quota.ts';
import type { OrderStatus } from './status.ts';

/**
 * What place_order(jsonb) takes and returns: the contract between the placement (place-order.ts,
 * which prepares the argument) and the writer that sends it (order-writer.ts). Both import it
 * from here, so neither imports the other.
 */

export interface OrderAccepted {
  orderId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  items: OrderLine[];
  links: { self: string; events: string };
  quota: QuotaView;
}

/** What place_order(jsonb) returns (sql/functions/place_order.sql). */
export type PlaceOrderResult =
  | { outcome: 'accepted' | 'replayed'; body: OrderAccepted }
  | { outcome: 'key_reused'; orderId: string }
  | { outcome: 'quota_exceeded'; quota: QuotaState };

/** The argument of place_order(jsonb); the SQL's tests build it the same way. */
export interface PlaceOrderArgument {
  orderId: string;
  userId: string;
  email: string;
  burgers: number;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  paymentMethod: string;
  mode: 'async' | 'sync';
  correlationId: string;
  now: string;
  limit: number;
  windowMs: number;
  requestHash: string;
  idempotencyKey: string | null;
  response: Omit<OrderAccepted, 'quota'>;
  outbox: OutboxRow | null;
}
