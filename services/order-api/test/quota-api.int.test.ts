import { api, order, uniqueUser } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';
import { type Accepted, ordersOf, postOrder } from './fixtures.ts';

/** The quota as the API answers it: concurrent orders of one user, and the 429 explanation. */
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
    const count = await ordersOf(userId);
    expect(count).toBe(5);
  });

  it('says how many remain and when the next burger frees up', async () => {
    const userId = uniqueUser('limit');
    const first = await postOrder(userId, { items: [{ burgerId: 'classic', quantity: 4 }] });
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
