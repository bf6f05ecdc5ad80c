import { api, uniqueUser } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';

/** The read side of the running API: menu, quota, health, readiness and the OpenAPI document. */
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
