import { describe, expect, it, vi } from 'vitest';
import { orderRef } from './order-ref.ts';
import { uuidv7 } from './uuid-v7.ts';

// The random bits of the ids come from a seeded generator (a splitmix-style counter hash), so the refs below are the
// same on every run: the test is about where orderRef reads, not about the odds of a collision.
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  let state = 0x2545f491;
  const next = () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  return {
    ...crypto,
    randomFillSync: <T extends NodeJS.ArrayBufferView>(buffer: T): T => {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
      return buffer;
    },
  };
});

describe('orderRef', () => {
  it('is the last 8 hex digits of the id', () => {
    expect(orderRef('0191d5a2-7c4e-7a1b-9c3d-5e6f7a8b9c0d')).toBe('7a8b9c0d');
  });

  it('tells apart orders placed in the same millisecond (a v7 id starts with its time)', () => {
    const at = Date.parse('2026-12-24T12:00:00.000Z');
    const ids = Array.from({ length: 1_000 }, () => uuidv7(at));
    // The premise: ids of one millisecond share their first digits (the time), differ after.
    expect(new Set(ids.map((id) => id.slice(0, 13))).size).toBe(1);
    expect(new Set(ids).size).toBe(1_000);
    const refs = ids.map(orderRef);
    expect(new Set(refs).size).toBe(1_000);
    for (const [i, ref] of refs.entries()) expect(ids[i]?.replaceAll('-', '').endsWith(ref)).toBe(true);
  });
});
