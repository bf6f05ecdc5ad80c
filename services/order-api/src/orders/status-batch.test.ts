import { newEvent } from '@akaso/contracts';
import { describe, expect, it } from 'vitest';
import { type OrderRow, projectBatch } from './status-batch.ts';

const row = (id: string): OrderRow => ({
  id,
  status: 'received',
  email: 'a@example.com',
  items: [{ burgerId: 'classic', name: 'Classic', quantity: 1, unitPriceCents: 300 }],
  total_cents: 300,
  currency: 'eur',
});
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const about = (orderId: string) => ({ orderId, userId: 'u' });
const reserved = (id: string) =>
  newEvent('StockReserved', about(id), {
    email: 'a@example.com',
    items: [{ burgerId: 'classic', name: 'Classic', quantity: 1, unitPriceCents: 300 }],
    paymentMethod: 'pm_card_visa',
    totalCents: 300,
    currency: 'eur',
  });
const paid = (id: string) =>
  newEvent('PaymentSucceeded', about(id), {
    email: 'a@example.com',
    paymentIntentId: 'pi_1',
    amountCents: 300,
    currency: 'eur',
  });
const refused = (id: string) =>
  newEvent('StockRejected', about(id), { email: 'a@example.com', reason: 'out of stock: beef', missing: [] });

describe('projectBatch', () => {
  const now = new Date('2026-12-24T12:00:00Z');

  it('moves each order through the batch in delivery order and announces the terminal ones', () => {
    const orders = new Map([
      [A, row(A)],
      [B, row(B)],
    ]);
    const p = projectBatch([reserved(A), refused(B), paid(A)], orders, now);
    expect(p.history).toEqual([
      { order_id: A, status: 'reserved', reason: null },
      { order_id: B, status: 'rejected', reason: 'out of stock: beef' },
      { order_id: A, status: 'confirmed', reason: null },
    ]);
    expect(p.updates).toContainEqual({ id: A, status: 'confirmed', reason: null, payment_intent_id: 'pi_1' });
    expect(p.outgoing.map((o) => [o.input, o.event.type])).toEqual([
      [1, 'OrderRejected'],
      [2, 'OrderConfirmed'],
    ]);
  });

  it('ignores a late event once the order is terminal, even within the same batch', () => {
    const p = projectBatch([paid(A), reserved(A)], new Map([[A, row(A)]]), now);
    expect(p.outcomes).toEqual([
      { status: 'confirmed', changed: true },
      { status: 'confirmed', changed: false },
    ]);
    expect(p.history).toHaveLength(1);
    expect(p.outgoing).toHaveLength(1);
  });

  it('changes nothing for an order that is already terminal', () => {
    const p = projectBatch([refused(A)], new Map([[A, { ...row(A), status: 'confirmed' as const }]]), now);
    expect(p.updates).toEqual([]);
    expect(p.outgoing).toEqual([]);
  });
});
