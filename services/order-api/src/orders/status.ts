import type { AnyEvent } from '@akaso/contracts';

export const orderStatuses = ['received', 'reserved', 'confirmed', 'rejected'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const isTerminal = (s: OrderStatus) => s === 'confirmed' || s === 'rejected';

export interface Transition {
  status: OrderStatus;
  reason: string | null;
}

/**
 * The order's state machine. Events from `inventory` and `payments` arrive on different topics,
 * so their relative order is not guaranteed (a PaymentSucceeded may overtake its StockReserved):
 * transitions only move forward and a terminal state never changes.
 */
export function nextStatus(current: OrderStatus, event: AnyEvent): Transition | null {
  if (isTerminal(current)) return null;
  switch (event.type) {
    case 'StockReserved':
      return current === 'received' ? { status: 'reserved', reason: null } : null;
    case 'StockRejected':
      return { status: 'rejected', reason: event.reason };
    case 'PaymentSucceeded':
      return { status: 'confirmed', reason: null };
    case 'PaymentFailed':
      return { status: 'rejected', reason: event.reason };
    default:
      return null;
  }
}
