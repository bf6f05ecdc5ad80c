import { env } from '@akaso/config';
import { serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  // A request waits at most 2 s for a connection, then answers 503 OVERLOADED.
  ...serviceConfig(3000, { dbPoolSize: 20, dbConnectTimeoutMs: 2_000 }),
  // Orders waiting for the order writer (group commit) beyond those in flight; beyond, 503
  // OVERLOADED with Retry-After at once, so a stalled database costs a bounded amount of memory
  // and the callers an answer instead of a wait.
  ORDER_WRITER_MAX_QUEUE: Type.Integer({ minimum: 1, default: 1_000 }),
  // How long an order waits for its user's quota lock (the API pool's lock_timeout). Another
  // order of the same user holds it for one transaction; only a stuck session holds it longer,
  // and then that user alone gets 503 USER_BUSY while the rest of the batch is placed.
  ORDER_LOCK_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 1_000 }),
  // Status streams (SSE): at most this many open at once per client address (beyond, 503
  // TOO_MANY_STREAMS), and each is ended by the server after this long; the browser's
  // EventSource reconnects with Last-Event-ID and the stream resumes after that event.
  SSE_MAX_STREAMS_PER_CLIENT: Type.Integer({ minimum: 1, default: 20 }),
  SSE_MAX_LIFETIME_MS: Type.Integer({ minimum: 1_000, default: 300_000 }),
  // The synchronous baseline calls these services' internal endpoints.
  INVENTORY_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3100' }),
  PAYMENT_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3200' }),
  EMAIL_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3300' }),
  // Where the storefront links "your emails": Mailpit's web inbox as the browser reaches it.
  MAILPIT_WEB_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8025' }),
  // Where the storefront links each order's trace: the dashboard's waterfall (trace.html), on
  // every path, and Jaeger's UI as well where there is one (compose sets it; unset: none, as locally).
  DASHBOARD_WEB_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3400' }),
  JAEGER_WEB_URL: Type.String({ pattern: '^(https?://.*)?$', default: '' }),
  // At most 5: the orders table holds 1 to 5 burgers per order (CHECK orders_burgers_check), so a
  // higher limit would let an order through the quota and then fail on that CHECK (a 500).
  QUOTA_LIMIT: Type.Integer({ minimum: 1, maximum: 5, default: 5 }),
  QUOTA_WINDOW_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24 }),
  // Idempotency-Keys are kept this long (a retry after that places a new order), then deleted
  // by the retention job every IDEMPOTENCY_RETENTION_INTERVAL_MS. Longer than the quota window,
  // so any retry the quota could still refuse is answered from its first answer instead.
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Number({ exclusiveMinimum: 0, default: 48 }),
  IDEMPOTENCY_RETENTION_INTERVAL_MS: Type.Integer({ minimum: 1_000, default: 600_000 }),
  // The synchronous baseline: how long a customer waits for one step (then 502), and how long a
  // step that outlived that wait is still awaited so its outcome settles the order.
  SYNC_STEP_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30_000 }),
  SYNC_SETTLE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 300_000 }),
  SALE_DISCOUNT_PERCENT: Type.Integer({ minimum: 0, maximum: 100, default: 70 }),
  // The sale window; by default it is always on so the demo shows sale prices.
  SALE_STARTS_AT: Type.String({ format: 'date-time', default: '2000-01-01T00:00:00Z' }),
  SALE_ENDS_AT: Type.String({ format: 'date-time', default: '2100-01-01T00:00:00Z' }),
  CURRENCY: Type.String({ pattern: '^[a-z]{3}$', default: 'eur' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16_384 }),
  // A separate pool for the order-status consumer, so it never takes the API's connections.
  CONSUMER_DB_POOL_SIZE: Type.Integer({ minimum: 1, default: 8 }),
  // Set to false to run an API instance that only serves HTTP (the group still needs one member).
  CONSUME: env.bool(true),
});

export type Config = Type.Static<typeof ConfigSchema>;
