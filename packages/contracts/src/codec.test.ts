import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContractError, decodeEvent, encodeEvent } from './codec.ts';
import type { EventOf } from './events.ts';

const placed = (): EventOf<'orders'> => ({
  type: 'OrderPlaced',
  version: 1,
  eventId: randomUUID(),
  orderId: randomUUID(),
  userId: 'alice',
  occurredAt: new Date().toISOString(),
  email: 'alice@example.com',
  items: [{ burgerId: 'classic', name: 'Classic Burger', quantity: 2, unitPriceCents: 297 }],
  burgers: 2,
  paymentMethod: 'pm_card_visa',
  totalCents: 594,
  currency: 'eur',
});

describe('the event codec', () => {
  it('round-trips a valid event', () => {
    const event = placed();
    expect(decodeEvent('orders', encodeEvent('orders', event))).toEqual(event);
  });

  it('refuses to produce an event its schema rejects', () => {
    expect(() => encodeEvent('orders', { ...placed(), burgers: 0 })).toThrow(ContractError);
  });

  it('names what is wrong with a consumed message', () => {
    const bad = Buffer.from(JSON.stringify({ ...placed(), email: 'not-an-email', extra: 1 }));
    expect(() => decodeEvent('orders', bad)).toThrow(/invalid OrderPlaced v1/);
  });

  it('rejects non-JSON, empty messages, events on the wrong topic and unknown versions, never retriably', () => {
    const attempts = [
      () => decodeEvent('orders', Buffer.from('{nope')),
      () => decodeEvent('orders', null),
      () => decodeEvent('payments', encodeEvent('orders', placed())),
      () => decodeEvent('orders', Buffer.from(JSON.stringify({ ...placed(), version: 2 }))),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ContractError);
        expect((err as ContractError).retriable).toBe(false);
      }
    }
  });
});
