import {
  api,
  chargesForOrder,
  eventually,
  mailsByKind,
  mailsFor,
  mailText,
  type OrderView,
  order,
  readSse,
  setStock,
  statusPathViolation,
  stock,
  uniqueUser,
  waitForTerminal,
  withDb,
} from '@akaso/testkit';
import { describe, expect, it } from 'vitest';

interface Accepted {
  orderId: string;
  status: string;
  totalCents: number;
  quota: { remaining: number; used: number; nextFreeAt: string | null };
  links: { self: string; events: string };
}

async function paymentsFor(orderId: string): Promise<{ status: string; payment_intent_id: string | null }[]> {
  return withDb(
    'payment',
    async (c) =>
      (await c.query('select status, payment_intent_id from payments where order_id = $1', [orderId])).rows,
  );
}

describe('an order through the whole pipeline', () => {
  it('is accepted at once, becomes confirmed, charges once, sends one confirmation and one receipt, and takes stock', async () => {
    const before = await stock();
    const userId = uniqueUser('happy');
    const res = await api<Accepted>('/orders', {
      method: 'POST',
      body: order(userId, { items: [{ burgerId: 'bacon', quantity: 2 }] }),
    });
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
    await new Promise((r) => setTimeout(r, 1_000)); // a duplicate would arrive right behind
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
      const res = await api<Accepted>('/orders', {
        method: 'POST',
        body: order(userId, { items: [{ burgerId: 'christmas', quantity: 3 }] }),
      });
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
    const res = await api<Accepted>('/orders', {
      method: 'POST',
      body: order(userId, {
        items: [{ burgerId: 'veggie', quantity: 1 }],
        paymentMethod: 'pm_card_chargeDeclined',
      }),
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

  it('runs the synchronous baseline end to end with the same effects, answering only when done', async () => {
    const userId = uniqueUser('sync');
    const res = await api<Accepted>('/orders?mode=sync', {
      method: 'POST',
      body: order(userId, { items: [{ burgerId: 'cheese', quantity: 2 }] }),
    });
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
    const res = await api<Accepted & { reason: string }>('/orders?mode=sync', {
      method: 'POST',
      body: order(uniqueUser('syncdecl'), { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' }),
    });
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

describe('the 5-burgers-per-24h rule', () => {
  it('accepts exactly 5 of 50 concurrent one-burger orders of one user', async () => {
    const userId = uniqueUser('race');
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        api<Accepted & { code?: string }>('/orders', { method: 'POST', body: order(userId) }),
      ),
    );
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(45);
    for (const r of refused) {
      expect(r.body.code).toBe('QUOTA_EXCEEDED');
      expect(r.body).toMatchObject({ remaining: 0, limit: 5, requested: 1 });
      expect(typeof (r.body as unknown as { nextFreeAt: string }).nextFreeAt).toBe('string');
    }
    const count = await withDb(
      'order_api',
      async (c) =>
        (await c.query('select count(*)::int as n from orders where user_id = $1', [userId])).rows[0].n,
    );
    expect(count).toBe(5);
  });

  it('says how many remain and when the next burger frees up', async () => {
    const userId = uniqueUser('limit');
    const first = await api<Accepted>('/orders', {
      method: 'POST',
      body: order(userId, { items: [{ burgerId: 'classic', quantity: 4 }] }),
    });
    expect(first.status).toBe(202);
    const over = await api<{ code: string; remaining: number; nextFreeAt: string; availableAt: string }>(
      '/orders',
      {
        method: 'POST',
        body: order(userId, { items: [{ burgerId: 'classic', quantity: 2 }] }),
      },
    );
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('QUOTA_EXCEEDED');
    expect(over.body.remaining).toBe(1);
    const freeAt = new Date(over.body.nextFreeAt).getTime();
    expect(freeAt - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(freeAt - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(over.body.availableAt).toBe(over.body.nextFreeAt);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first answer to a retried request and creates one order', async () => {
    const userId = uniqueUser('idem');
    const key = `key-${userId}`;
    const body = order(userId, { items: [{ burgerId: 'classic', quantity: 1 }] });
    const first = await api<Accepted>('/orders', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': key },
    });
    const retries = await Promise.all(
      Array.from({ length: 5 }, () =>
        api<Accepted>('/orders', { method: 'POST', body, headers: { 'idempotency-key': key } }),
      ),
    );
    expect(first.status).toBe(202);
    for (const r of retries) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual(first.body);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
    }
    const count = await withDb(
      'order_api',
      async (c) =>
        (await c.query('select count(*)::int as n from orders where user_id = $1', [userId])).rows[0].n,
    );
    expect(count).toBe(1);
  });

  it('refuses the same key with a different body (422)', async () => {
    const userId = uniqueUser('idem2');
    const key = `key-${userId}`;
    await api('/orders', { method: 'POST', body: order(userId), headers: { 'idempotency-key': key } });
    const other = await api<{ code: string }>('/orders', {
      method: 'POST',
      body: order(userId, { items: [{ burgerId: 'cheese', quantity: 1 }] }),
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('bad input gets a clear 4xx, never a 5xx', () => {
  const cases: [string, Parameters<typeof api>[1], number, string][] = [
    [
      'unknown burger',
      { method: 'POST', body: order('u1', { items: [{ burgerId: 'unicorn', quantity: 1 }] }) },
      422,
      'UNKNOWN_BURGER',
    ],
    [
      'quantity 0',
      { method: 'POST', body: order('u1', { items: [{ burgerId: 'classic', quantity: 0 }] }) },
      400,
      'VALIDATION_ERROR',
    ],
    [
      'negative quantity',
      { method: 'POST', body: order('u1', { items: [{ burgerId: 'classic', quantity: -2 }] }) },
      400,
      'VALIDATION_ERROR',
    ],
    [
      'quantity as a string',
      { method: 'POST', body: { ...order('u1'), items: [{ burgerId: 'classic', quantity: '2' }] } },
      400,
      'VALIDATION_ERROR',
    ],
    [
      'missing email',
      {
        method: 'POST',
        body: { userId: 'u1', items: [{ burgerId: 'classic', quantity: 1 }], paymentMethod: 'pm_card_visa' },
      },
      400,
      'VALIDATION_ERROR',
    ],
    ['no items', { method: 'POST', body: order('u1', { items: [] }) }, 400, 'VALIDATION_ERROR'],
    [
      'an unknown field',
      { method: 'POST', body: { ...order('u1'), coupon: 'FREE' } },
      400,
      'VALIDATION_ERROR',
    ],
    [
      'a bad payment method',
      { method: 'POST', body: order('u1', { paymentMethod: 'card 4242' }) },
      400,
      'VALIDATION_ERROR',
    ],
    [
      'malformed JSON',
      { method: 'POST', rawBody: '{"userId": "u1",', headers: { 'content-type': 'application/json' } },
      400,
      'INVALID_JSON',
    ],
    [
      'an oversized body',
      {
        method: 'POST',
        rawBody: JSON.stringify({ ...order('u1'), email: 'x'.repeat(20_000) }),
        headers: { 'content-type': 'application/json' },
      },
      413,
      'BODY_TOO_LARGE',
    ],
    [
      'a non-JSON content type',
      {
        method: 'POST',
        rawBody: 'userId=u1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an unknown order', { method: 'GET' }, 404, 'NOT_FOUND'],
    ['a malformed order id', { method: 'GET' }, 400, 'VALIDATION_ERROR'],
  ];
  const paths: Record<string, string> = {
    'an unknown order': '/orders/00000000-0000-4000-8000-000000000000',
    'a malformed order id': '/orders/not-a-uuid',
  };

  it.each(cases)('%s', async (name, init, status, code) => {
    const res = await api<{ code: string; message: string }>(paths[name] ?? '/orders', init);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(res.body.message.length).toBeGreaterThan(0);
  });
});

describe('the rest of the API', () => {
  it('serves the menu with the sale discount, the quota, health, readiness and the OpenAPI docs', async () => {
    const menu = await api<{ id: string; priceCents: number; salePriceCents: number }[]>('/menu');
    expect(menu.status).toBe(200);
    const classic = menu.body.find((b) => b.id === 'classic');
    expect(classic?.salePriceCents).toBe(Math.round(((classic?.priceCents ?? 0) * 30) / 100));
    expect((await api<{ remaining: number }>(`/users/${uniqueUser('fresh')}/quota`)).body.remaining).toBe(5);
    expect((await api('/healthz')).status).toBe(200);
    const ready = await api<{ checks: Record<string, string> }>('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({
      database: 'ok',
      kafka: 'ok',
      'outbox relay': 'ok',
      consumer: 'ok',
      'status feed': 'ok',
    });
    const doc = await api<{ paths: Record<string, unknown> }>('/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/events',
        '/menu',
        '/users/{userId}/quota',
      ]),
    );
  });
});
