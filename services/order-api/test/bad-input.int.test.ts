import { api, order } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';

/** Malformed or invalid requests against the running API: a clear { code, message }, never a 5xx. */
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
