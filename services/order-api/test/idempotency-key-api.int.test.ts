import { api, order, uniqueUser } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';
import { type Accepted, ordersOf } from './fixtures.ts';

/** The Idempotency-Key header of POST /orders, through the running API. */
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
    const count = await ordersOf(userId);
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
