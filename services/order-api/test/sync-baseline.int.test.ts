import { api, chargesForOrder, mailsFor, type OrderView, uniqueUser, withDb } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';
import { type Accepted, paymentsFor, postOrder } from './fixtures.ts';

/** The synchronous baseline (`?mode=sync`) through the real stack: same effects, one answer when done. */
describe('an order through the whole pipeline', () => {
  it('runs the synchronous baseline end to end with the same effects, answering only when done', async () => {
    const userId = uniqueUser('sync');
    const res = await postOrder(
      userId,
      { items: [{ burgerId: 'cheese', quantity: 2 }] },
      '/orders?mode=sync',
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('confirmed');
    const view = await api<OrderView & { mode: string }>(`/orders/${res.body.orderId}`);
    expect(view.body.mode).toBe('sync');
    // Inline, the reservation is applied before the charge is even made: here the order is fixed.
    expect(view.body.history.map((h) => h.status)).toEqual(['received', 'reserved', 'confirmed']);
    expect((await paymentsFor(res.body.orderId)).map((p) => p.status)).toEqual(['succeeded']);
    expect((await chargesForOrder(res.body.orderId)).chargedKeys).toHaveLength(1);
    // Both emails were sent before the answer came back.
    expect((await mailsFor(res.body.orderId)).map((m) => m.Subject).sort()).toEqual([
      expect.stringMatching(/^Receipt/),
      expect.stringMatching(/is confirmed$/),
    ]);
  });

  it('runs a declined payment through the synchronous baseline too', async () => {
    const res = await postOrder<Accepted & { reason: string }>(
      uniqueUser('syncdecl'),
      { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' },
      '/orders?mode=sync',
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('rejected');
    expect(res.body.reason).toBe('Your card has insufficient funds.');
    const reservation = await withDb(
      'inventory',
      async (c) =>
        (await c.query('select status from reservations where order_id = $1', [res.body.orderId])).rows,
    );
    expect(reservation.map((r) => r.status)).toEqual(['released']);
  });
});
