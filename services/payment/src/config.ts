import { env, loadConfig, loadConfigOrExit } from '@akaso/config';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: env.port(3200),
  DATABASE_URL: env.url(),
  KAFKA_BROKERS: env.brokers(),
  // A Stripe test key. Example keys only: stripe-mock accepts any key shaped sk_test_….
  STRIPE_SECRET_KEY: Type.String({
    pattern: '^sk_test_[A-Za-z0-9]+$',
    default: 'sk_test_AkasoBurgerExample',
  }),
  // stripe-mock's address; empty means the real Stripe API (test mode, with a real sk_test_ key).
  STRIPE_API_BASE: Type.String({ default: 'http://127.0.0.1:12111' }),
  // stripe-mock cannot decline: simulate the declines Stripe's test payment methods produce.
  // Defaults to on when STRIPE_API_BASE points at stripe-mock.
  PAYMENT_SIMULATE_DECLINES: Type.Optional(Type.Boolean()),
  // Additionally decline this share of orders (0..1, deterministic per order) in load tests.
  PAYMENT_DECLINE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  // Third-party latency added to every charge, to make the sync/async comparison honest.
  PAYMENT_LATENCY_MS: env.ms(0),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
  // The outbox relay waits this long after a write before publishing, to batch (0: at once).
  // 5 ms: in `pnpm bench` it lowered time-to-accept p99, end-to-end p99 and CPU per order.
  OUTBOX_RELAY_LINGER_MS: env.ms(5),
  // Messages of different users handled at once inside one partition (one user's stay in order).
  CONSUMER_KEY_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  LOG_LEVEL: env.logLevel(),
});
export type Config = Type.Static<typeof ConfigSchema>;
export const loadPaymentConfig = (source?: Record<string, string | undefined>) =>
  loadConfig('payment', ConfigSchema, source);

/** The service's entry point: refuses to start, with every problem listed, on a bad configuration. */
export const configOrExit = () => loadConfigOrExit('payment', ConfigSchema);
