import type { ChargeCall } from '@akaso/stack-client';
import { chargeCall } from '@akaso/stack-client/testing';
import { describe, expect, it } from 'vitest';
import { checkProviderCharges, extreme } from './audit.ts';

const charge = (orderId: string, over: Partial<ChargeCall> = {}) =>
  chargeCall({ key: `akaso-order-${orderId}`, orderId, ...over });

describe('the audit at the card provider', () => {
  it('passes one charge per confirmed order, retries under the same key included, and none per rejected', () => {
    const { violations, summary } = checkProviderCharges(
      [
        { id: 'c1', status: 'confirmed' },
        { id: 'c2', status: 'confirmed' },
        { id: 'r1', status: 'rejected' },
      ],
      [
        charge('c1', { outcome: 'unreachable', httpStatus: null }),
        charge('c1'),
        charge('c2'),
        charge('c2'), // a redelivery: Stripe returns the first PaymentIntent
        charge('r1', { outcome: 'declined', httpStatus: 402 }),
        charge('other-run'),
      ],
    );
    expect(violations).toEqual([]);
    expect(summary).toEqual({ calls: 5, charges: 2, deduplicated: 1, unreachable: 1, lost: 0 });
  });

  it('fails a confirmed order charged under two keys: a double charge the payments table cannot show', () => {
    const { violations } = checkProviderCharges(
      [{ id: 'c1', status: 'confirmed' }],
      [charge('c1'), charge('c1', { key: 'akaso-order-c1-retry' })],
    );
    expect(violations).toEqual([
      'confirmed order c1: 2 charges at the provider (keys akaso-order-c1, akaso-order-c1-retry)',
    ]);
  });

  it('fails a confirmed order that never reached the provider, and a charge without a key twice over', () => {
    expect(checkProviderCharges([{ id: 'c1', status: 'confirmed' }], []).violations).toEqual([
      'confirmed order c1: 0 charges at the provider',
    ]);
    expect(
      checkProviderCharges(
        [{ id: 'c2', status: 'confirmed' }],
        [charge('c2', { key: null }), charge('c2', { key: null })],
      ).violations,
    ).toHaveLength(1);
  });

  it('fails a rejected order that was charged (or maybe charged: its answer was lost)', () => {
    const { violations } = checkProviderCharges(
      [
        { id: 'r1', status: 'rejected' },
        { id: 'r2', status: 'rejected' },
      ],
      [charge('r1'), charge('r2', { outcome: 'lost', httpStatus: null })],
    );
    expect(violations).toEqual([
      'rejected order r1: charged at the provider (keys akaso-order-r1)',
      'rejected order r2: maybe charged at the provider under akaso-order-r2 (answer lost)',
    ]);
  });

  it('fails a confirmed order whose second key lost its answer: it may have charged twice', () => {
    const { violations } = checkProviderCharges(
      [{ id: 'c1', status: 'confirmed' }],
      [charge('c1', { key: 'k-first', outcome: 'lost', httpStatus: null }), charge('c1')],
    );
    expect(violations).toEqual([
      'confirmed order c1: charged under akaso-order-c1, and maybe again under k-first (answer lost)',
    ]);
  });

  it('leaves orders still in flight to the terminal-state check', () => {
    expect(checkProviderCharges([{ id: 'p1', status: 'reserved' }], [charge('p1')]).violations).toEqual([]);
  });
});

describe('extreme', () => {
  it('is Math.min / Math.max over lists of any length (a spread call overflowed the stack)', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 300_007);
    let max = Number.NEGATIVE_INFINITY;
    for (const x of xs) if (x > max) max = x;
    expect(extreme(Math.max, xs)).toBe(max);
    expect(extreme(Math.min, [5, 3, 9])).toBe(3);
    expect(extreme(Math.max, [5, 3, 9])).toBe(9);
    expect(extreme(Math.min, [])).toBe(Number.POSITIVE_INFINITY);
  });
});
