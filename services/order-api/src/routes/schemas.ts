import { orderRequestSchema, USER_ID_MAX_LENGTH, UserId } from '@akaso/contracts';
import type { ErrorCode } from '@akaso/service';
import Type from 'typebox';
import { seedMenu } from '../menu.ts';

/**
 * The longest path parameter the router takes, as sent: every valid userId even when each of its
 * characters is percent-encoded (`@` → `%40`), so the schema alone decides what is valid; a longer
 * parameter is refused with 414 before routing.
 */
export const MAX_PATH_PARAM_LENGTH = 3 * USER_ID_MAX_LENGTH;
/** The menu's burger ids (the database's menu is seeded from the same list). */
export const burgerIds = seedMenu.map((b) => b.id);

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String() },
  { additionalProperties: true, description: 'Every error: a stable code and a message for people' },
);

export const PlaceOrderBody = orderRequestSchema(burgerIds);

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
export const UserIdParams = Type.Object({ userId: UserId });

/** A 503 answer: documents the Retry-After header the error handler sets. */
export const retryable = <T extends object>(body: T) => ({
  ...body,
  headers: {
    'retry-after': { type: 'integer', minimum: 1, description: 'seconds to wait before retrying' },
  },
});

/** An error answer: its status's closed list of codes, and what they mean. */
const errorBody = (codes: [ErrorCode, ...ErrorCode[]], meaning: string) =>
  Type.Object(
    { code: Type.Enum(codes), message: Type.String() },
    { additionalProperties: true, description: `${codes.join(', ')}: ${meaning}` },
  );

/** The error answers the routes give, by status, each with its { code, message } body. */
export const errors = {
  400: errorBody(['VALIDATION_ERROR', 'INVALID_JSON'], 'the request does not match this schema'),
  404: errorBody(['NOT_FOUND'], 'no such order'),
  413: errorBody(['BODY_TOO_LARGE'], 'the body is larger than BODY_LIMIT_BYTES'),
  414: errorBody(
    ['URI_TOO_LONG'],
    `a path parameter longer than ${MAX_PATH_PARAM_LENGTH} characters as sent`,
  ),
  415: errorBody(['UNSUPPORTED_MEDIA_TYPE'], 'the body must be application/json'),
  422: errorBody(
    ['UNKNOWN_BURGER', 'IDEMPOTENCY_KEY_REUSED'],
    'a burgerId not on the menu (`unknown` lists them), or an Idempotency-Key already used for another order',
  ),
  429: Type.Object(
    {
      code: Type.Literal('QUOTA_EXCEEDED'),
      message: Type.String(),
      limit: Type.Integer(),
      used: Type.Integer(),
      remaining: Type.Integer(),
      requested: Type.Integer(),
      nextFreeAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      availableAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    },
    {
      additionalProperties: true,
      description: 'QUOTA_EXCEEDED: more burgers than the rolling window allows',
    },
  ),
  502: errorBody(['UPSTREAM_FAILED'], 'a step of the synchronous baseline failed (?mode=sync only)'),
  503: errorBody(
    ['OVERLOADED', 'DATABASE_UNAVAILABLE', 'TOO_MANY_STREAMS', 'USER_BUSY', 'NOT_READY'],
    'saturated, not broken: retry after Retry-After seconds',
  ),
} as const;
