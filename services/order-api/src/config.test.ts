import { ConfigError, loadConfig } from '@akaso/config';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from './config.ts';

const base = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/order_api',
  KAFKA_BROKERS: '127.0.0.1:9092',
  INTERNAL_API_TOKEN: 'a-test-token-of-16-or-more',
};
const load = (env: Record<string, string>) => loadConfig('order-api', ConfigSchema, { ...base, ...env });

describe('order-api configuration', () => {
  it('refuses a QUOTA_LIMIT the orders table cannot hold (at most 5 burgers per order), naming it', () => {
    expect(load({ QUOTA_LIMIT: '5' }).QUOTA_LIMIT).toBe(5);
    expect(() => load({ QUOTA_LIMIT: '6' })).toThrow(ConfigError);
    expect(() => load({ QUOTA_LIMIT: '6' })).toThrow(/QUOTA_LIMIT: .*5.*\(got "6"\)/);
    expect(() => load({ QUOTA_LIMIT: '0' })).toThrow(/QUOTA_LIMIT/);
  });

  it('keeps Idempotency-Keys 48 h and sweeps them every 10 minutes by default', () => {
    expect(load({})).toMatchObject({
      IDEMPOTENCY_KEY_TTL_HOURS: 48,
      IDEMPOTENCY_RETENTION_INTERVAL_MS: 600_000,
    });
  });
});
