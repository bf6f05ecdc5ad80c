import { env } from '@akaso/config';
import { flagsConfig, serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  ...serviceConfig(3200),
  // Run-time switches over PAYMENT_LATENCY_MS and PAYMENT_DECLINE_RATE, and the group's delay.
  ...flagsConfig(),
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
  // Card charges in flight at once per handler call: waiting on the provider costs no CPU. As
  // many as a batch holds (CONSUMER_MAX_BATCH, 200), so a batch's charges go in one wave: with 64,
  // a batch of 150 took three 300 ms waves and held its partitions meanwhile (end-to-end p50 / p99
  // 2.8 / 4.2 s against 1.8 / 2.5 s in `pnpm bench --rate 200 --realistic`, traces in Jaeger).
  PAYMENT_CHARGE_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1_000, default: 200 }),
});
