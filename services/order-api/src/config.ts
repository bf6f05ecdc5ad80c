import { env } from '@akaso/config';
import { serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  ...serviceConfig(3000, { dbPoolSize: 20 }),
  // The synchronous baseline calls these services' internal endpoints.
  INVENTORY_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3100' }),
  PAYMENT_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3200' }),
  EMAIL_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3300' }),
  // Where the storefront links "your emails": Mailpit's web inbox as the browser reaches it.
  MAILPIT_WEB_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8025' }),
  QUOTA_LIMIT: Type.Integer({ minimum: 1, default: 5 }),
  QUOTA_WINDOW_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24 }),
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
