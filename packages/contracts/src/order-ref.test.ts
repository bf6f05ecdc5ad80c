import { describe, expect, it } from 'vitest';
import { orderRef } from './order-ref.ts';
import { uuidv7 } from './uuid-v7.ts';

describe('orderRef', () => {
  it('is the last 8 hex digits of the id', () => {
    expect(orderRef('0191d5a2-7c4e-7a1b-9c3d-5e6f7a8b9c0d')).toBe('7a8b9c0d');
  });

  it('tells apart orders placed in the same millisecond (a v7 id starts with its time)', () => {
    const at = Date.now();
    const refs = Array.from({ length: 1_000 }, () => orderRef(uuidv7(at)));
    // 32 random bits: 1,000 refs collide with a probability of about 1 in 8,600.
    expect(new Set(refs).size).toBeGreaterThanOrEqual(999);
  });
});
