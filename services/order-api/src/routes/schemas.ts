import Type from 'typebox';

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String() },
  { additionalProperties: true, description: 'Every error: a stable code and a message for people' },
);

export const PlaceOrderBody = Type.Object(
  {
    userId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    items: Type.Array(
      Type.Object(
        {
          burgerId: Type.String({ minLength: 1, maxLength: 64 }),
          quantity: Type.Integer({ minimum: 1, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    paymentMethod: Type.String({
      pattern: '^pm_[A-Za-z0-9_]+$',
      maxLength: 100,
      description: 'A Stripe test payment method, e.g. pm_card_visa (pm_card_chargeDeclined is declined)',
    }),
  },
  { additionalProperties: false },
);

const Line = Type.Object({
  burgerId: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
});

const Quota = Type.Object({
  limit: Type.Integer(),
  used: Type.Integer(),
  remaining: Type.Integer(),
  windowHours: Type.Number(),
  nextFreeAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const Status = Type.Union([
  Type.Literal('received'),
  Type.Literal('reserved'),
  Type.Literal('confirmed'),
  Type.Literal('rejected'),
]);

export const OrderAccepted = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Status,
  reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  totalCents: Type.Integer(),
  currency: Type.String(),
  items: Type.Array(Line),
  links: Type.Object({ self: Type.String(), events: Type.String() }),
  quota: Quota,
});

export const QuotaBody = Quota;

export const OrderBody = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  userId: Type.String(),
  status: Status,
  reason: Type.Union([Type.String(), Type.Null()]),
  mode: Type.String(),
  items: Type.Array(Line),
  totalCents: Type.Integer(),
  currency: Type.String(),
  paymentIntentId: Type.Union([Type.String(), Type.Null()]),
  traceId: Type.Union([Type.String({ pattern: '^[0-9a-f]{32}$' }), Type.Null()], {
    description:
      "The order's trace in Jaeger (POST /orders → orders → inventory → payments → order-status → email); null when it was not traced (tracing off, not sampled, or the caller set x-correlation-id)",
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  history: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Status,
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
    }),
  ),
});

export const MenuBody = Type.Array(
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    priceCents: Type.Integer(),
    salePriceCents: Type.Integer(),
    currency: Type.String(),
  }),
);

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const UserIdParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });
