import Type from 'typebox';
import { type TopicName, topics } from './topics.ts';

/**
 * One versioned schema per event. Every event carries eventId, orderId, userId and occurredAt;
 * the correlation id travels in the Kafka headers. The same compiled schema validates on produce
 * (a service cannot publish a malformed event) and on consume (a malformed message is poison and
 * goes to the dead-letter topic).
 */
const Id = Type.String({ minLength: 1, maxLength: 128 });
const Uuid = Type.String({ format: 'uuid' });
const Cents = Type.Integer({ minimum: 0 });
const Timestamp = Type.String({ format: 'date-time' });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Currency = Type.String({ pattern: '^[a-z]{3}$' });

const Line = Type.Object(
  {
    burgerId: Id,
    name: Type.String(),
    quantity: Type.Integer({ minimum: 1 }),
    unitPriceCents: Cents,
  },
  { additionalProperties: false },
);

function event<T extends string, V extends number, P extends Type.TProperties>(
  type: T,
  version: V,
  payload: P,
) {
  return Type.Object(
    {
      type: Type.Literal(type),
      version: Type.Literal(version),
      eventId: Uuid,
      orderId: Uuid,
      userId: Id,
      occurredAt: Timestamp,
      ...payload,
    },
    { additionalProperties: false, $id: `${type}.v${version}` },
  );
}

const Amount = { totalCents: Cents, currency: Currency };

export const OrderPlaced = event('OrderPlaced', 1, {
  email: Email,
  items: Type.Array(Line, { minItems: 1 }),
  burgers: Type.Integer({ minimum: 1 }),
  paymentMethod: Type.String({ minLength: 1 }),
  ...Amount,
});

export const StockReserved = event('StockReserved', 1, {
  email: Email,
  items: Type.Array(Line, { minItems: 1 }),
  paymentMethod: Type.String({ minLength: 1 }),
  ...Amount,
});

export const StockRejected = event('StockRejected', 1, {
  email: Email,
  reason: Type.String(),
  missing: Type.Array(
    Type.Object(
      { ingredientId: Id, needed: Type.Integer(), available: Type.Integer() },
      { additionalProperties: false },
    ),
  ),
});

export const StockReleased = event('StockReleased', 1, { reason: Type.String() });

export const PaymentSucceeded = event('PaymentSucceeded', 1, {
  email: Email,
  paymentIntentId: Type.String({ minLength: 1 }),
  amountCents: Cents,
  currency: Currency,
});

export const PaymentFailed = event('PaymentFailed', 1, {
  email: Email,
  reason: Type.String(),
  declineCode: Type.Union([Type.String(), Type.Null()]),
});

export const OrderConfirmed = event('OrderConfirmed', 1, {
  email: Email,
  items: Type.Array(Line, { minItems: 1 }),
  paymentIntentId: Type.String(),
  ...Amount,
});

export const OrderRejected = event('OrderRejected', 1, {
  email: Email,
  reason: Type.String(),
  stage: Type.Union([Type.Literal('inventory'), Type.Literal('payment')]),
});

export type OrderPlaced = Type.Static<typeof OrderPlaced>;
export type StockReserved = Type.Static<typeof StockReserved>;
export type StockRejected = Type.Static<typeof StockRejected>;
export type StockReleased = Type.Static<typeof StockReleased>;
export type PaymentSucceeded = Type.Static<typeof PaymentSucceeded>;
export type PaymentFailed = Type.Static<typeof PaymentFailed>;
export type OrderConfirmed = Type.Static<typeof OrderConfirmed>;
export type OrderRejected = Type.Static<typeof OrderRejected>;
export type OrderLine = Type.Static<typeof Line>;

/** Which events each topic carries. */
export const topicEvents = {
  [topics.orders]: [OrderPlaced],
  [topics.inventory]: [StockReserved, StockRejected, StockReleased],
  [topics.payments]: [PaymentSucceeded, PaymentFailed],
  [topics.orderStatus]: [OrderConfirmed, OrderRejected],
} as const satisfies Record<TopicName, readonly Type.TSchema[]>;

export type EventOf<T extends TopicName> = Type.Static<(typeof topicEvents)[T][number]>;
export type AnyEvent = EventOf<TopicName>;
