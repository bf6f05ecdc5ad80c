import { describe, expect, it } from 'vitest';
import { validateEvent } from './codec.ts';
import { newEvent } from './new-event.ts';

describe('newEvent', () => {
  const about = { orderId: '3f0c1b7e-8a3e-4c55-9f7a-0b1d2c3e4f50', userId: 'alice' };

  it('assembles a valid envelope around the fields', () => {
    const at = new Date('2026-12-24T12:00:00.000Z');
    const e = newEvent('StockReleased', about, { reason: 'payment failed' }, at);
    expect(e).toMatchObject({ type: 'StockReleased', version: 1, ...about, occurredAt: at.toISOString() });
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => validateEvent('inventory', e)).not.toThrow();
  });

  it('gives every event its own id', () => {
    const a = newEvent('StockReleased', about, { reason: 'x' });
    const b = newEvent('StockReleased', about, { reason: 'x' });
    expect(a.eventId).not.toBe(b.eventId);
  });
});
