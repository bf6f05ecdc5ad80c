import { randomUUID } from 'node:crypto';
import type { Flags } from '@akaso/flags';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStripeGateway, declinedByRate, idempotencyKeyFor } from './gateway.ts';

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

describe('the run-time flags of the card provider', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // No card provider listens there: a charge that reached it would fail, so an answer proves the
  // flags decided it before any request.
  const gatewayWith = (flags: { current: Flags }) =>
    createStripeGateway({
      secretKey: 'sk_test_AkasoBurgerFlags',
      apiBase: 'http://127.0.0.1:9',
      simulateDeclines: true,
      declineRate: 0,
      latencyMs: 0,
      flags: () => flags.current,
    });
  const charge = { userId: 'flags', amountCents: 1_250, currency: 'eur', paymentMethod: 'pm_card_visa' };

  it('are read at each charge: a decline rate and a latency set after the start apply to the next one', async () => {
    vi.useFakeTimers();
    const flags = { current: {} as Flags };
    const gateway = gatewayWith(flags);
    flags.current = { 'payment.declineRate': 1, 'payment.latencyMs': 1_500 };
    let outcome: unknown = null;
    const pending = gateway.charge({ ...charge, orderId: randomUUID() }).then((o) => {
      outcome = o;
    });
    await vi.advanceTimersByTimeAsync(1_499);
    expect(outcome).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(outcome).toMatchObject({
      status: 'declined',
      reason: expect.stringMatching(/simulated decline rate/),
    });
  });
});
