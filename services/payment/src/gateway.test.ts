import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { declinedByRate, idempotencyKeyFor } from './gateway.ts';

describe('decline simulation', () => {
  it('declines about the configured share of orders, always the same ones', () => {
    const ids = Array.from({ length: 4_000 }, () => randomUUID());
    const declined = ids.filter((id) => declinedByRate(id, 0.25));
    expect(declined.length / ids.length).toBeGreaterThan(0.22);
    expect(declined.length / ids.length).toBeLessThan(0.28);
    expect(ids.filter((id) => declinedByRate(id, 0.25))).toEqual(declined);
    expect(ids.some((id) => declinedByRate(id, 0))).toBe(false);
  });

  it('derives the Stripe idempotency key from the order alone', () => {
    const id = randomUUID();
    expect(idempotencyKeyFor(id)).toBe(idempotencyKeyFor(id));
    expect(idempotencyKeyFor(id)).not.toBe(idempotencyKeyFor(randomUUID()));
  });
});
