import {
  api,
  chargesForOrder,
  eventually,
  mailsByKind,
  mailsFor,
  mailText,
  order,
  readSse,
  setStock,
  statusPathViolation,
  stock,
  uniqueUser,
  waitForDrained,
  waitForTerminal,
  withDb,
} from '@akaso/testkit';
import { describe, expect, it } from 'vitest';
import { type Accepted, paymentsFor, postOrder } from './fixtures.ts';

/** The asynchronous pipeline end to end, through the real stack: the happy path, SSE, both rejections. */
describe('an order through the whole pipeline', () => {
  it('is accepted at once, becomes confirmed, charges once, sends one confirmation and one receipt, and takes stock', async () => {
    const before = await stock();
    const userId = uniqueUser('happy');
    const res = await postOrder(userId, { items: [{ burgerId: 'bacon', quantity: 2 }] });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('received');
    expect(res.body.quota).toMatchObject({ used: 2, remaining: 3 });
    expect(res.headers.get('location')).toBe(`/orders/${res.body.orderId}`);

    const done = await waitForTerminal(res.body.orderId);
    expect(done.status).toBe('confirmed');
    expect(
      statusPathViolation(
        done.history.map((h) => h.status),
        'confirmed',
      ),
    ).toBeNull();

    const payments = await paymentsFor(res.body.orderId);
    expect(payments).toHaveLength(1);
    expect(payments[0]?.status).toBe('succeeded');
    expect(payments[0]?.payment_intent_id).toBe(done.paymentIntentId);
    // The payments table holds one row per order by its primary key; the card is charged once
    // only if one idempotency key reached the provider with success (the stack's charge counter).
    const charges = await chargesForOrder(res.body.orderId);
    expect(charges.chargedKeys).toHaveLength(1);
    expect(charges.calls.map((c) => c.outcome)).toEqual(['succeeded']);

    const mails = await eventually('two emails', async () => {
      const m = await mailsFor(res.body.orderId);
      return m.length >= 2 ? m : null;
    });
    // A duplicate would come from a message still being handled: none is, once drained.
    await waitForDrained();
    expect(await mailsByKind(res.body.orderId)).toEqual({ confirmation: 1, receipt: 1 });
    expect(mails[0]?.To[0]?.Address).toBe(`${userId}@akaso.test`);
    const confirmation = mails.find((m) => m.Subject.includes('confirmed'));
    const body = await mailText(confirmation?.ID ?? '');
    expect(body.Text).toContain('2 × Bacon Burger');
    expect(body.HTML).toContain('<h1>Your order is confirmed</h1>');

    // bacon = bun, beef, 2 bacon, cheese: two burgers take twice that (other tests may take more).
    const after = await stock();
    expect((before.bacon ?? 0) - (after.bacon ?? 0)).toBeGreaterThanOrEqual(4);
    expect((before.bun ?? 0) - (after.bun ?? 0)).toBeGreaterThanOrEqual(2);
  });

  it('streams the status changes in order over SSE and closes the stream at the terminal state', async () => {
    const res = await api<Accepted>('/orders', { method: 'POST', body: order(uniqueUser('sse')) });
    const events = await readSse(res.body.links.events);
    expect(events.every((e) => e.event === 'status')).toBe(true);
    expect(
      statusPathViolation(
        events.map((e) => String(e.data.status)),
        'confirmed',
      ),
    ).toBeNull();
    expect(events.every((e) => e.data.orderId === res.body.orderId)).toBe(true);
  });

  it('rejects an order whose ingredients are out of stock, with the reason, a rejection email, and frees the quota', async () => {
    const userId = uniqueUser('nostock');
    const saved = (await stock()).cranberry ?? 0;
    await setStock('cranberry', 0);
    try {
      const res = await postOrder(userId, { items: [{ burgerId: 'christmas', quantity: 3 }] });
      expect(res.status).toBe(202);
      expect(res.body.quota.remaining).toBe(2);
      const done = await waitForTerminal(res.body.orderId);
      expect(done.status).toBe('rejected');
      expect(done.reason).toBe('out of stock: cranberry');
      const mails = await eventually('the rejection email', async () => {
        const m = await mailsFor(res.body.orderId);
        return m.length > 0 ? m : null;
      });
      expect(mails.map((m) => m.Subject)).toEqual([expect.stringMatching(/could not be completed/)]);
      expect((await mailText(mails[0]?.ID ?? '')).Text).toContain('Reason: out of stock: cranberry');
      expect(await paymentsFor(res.body.orderId)).toHaveLength(0);
      expect((await chargesForOrder(res.body.orderId)).calls).toEqual([]); // never reached the provider
      const quota = await api<{ remaining: number }>(`/users/${userId}/quota`);
      expect(quota.body.remaining).toBe(5);
    } finally {
      await setStock('cranberry', saved);
    }
  });

  it('rejects a declined payment, releases the stock it had reserved, and sends a rejection email', async () => {
    const userId = uniqueUser('declined');
    const res = await postOrder(userId, {
      items: [{ burgerId: 'veggie', quantity: 1 }],
      paymentMethod: 'pm_card_chargeDeclined',
    });
    const done = await waitForTerminal(res.body.orderId);
    expect(done.status).toBe('rejected');
    expect(done.reason).toBe('Your card was declined.');
    const payments = await paymentsFor(res.body.orderId);
    expect(payments.map((p) => p.status)).toEqual(['failed']);
    // stripe-mock cannot decline: the payment service answers Stripe's declining test card itself.
    expect((await chargesForOrder(res.body.orderId)).chargedKeys).toEqual([]);
    const reservation = await eventually('the reservation to be released', () =>
      withDb('inventory', async (c) => {
        const r = await c.query('select status from reservations where order_id = $1', [res.body.orderId]);
        return r.rows[0]?.status === 'released' ? r.rows[0] : null;
      }),
    );
    expect(reservation.status).toBe('released');
    const mails = await eventually('the rejection email', async () => {
      const m = await mailsFor(res.body.orderId);
      return m.length > 0 ? m : null;
    });
    expect(mails.map((m) => m.Subject)).toEqual([expect.stringMatching(/could not be completed/)]);
    expect((await api<{ remaining: number }>(`/users/${userId}/quota`)).body.remaining).toBe(5);
  });
});
