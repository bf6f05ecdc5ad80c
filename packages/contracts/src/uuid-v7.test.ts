import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from './uuid-v7.ts';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('is an RFC 9562 version 7, variant 10 UUID carrying the time it was made', () => {
    const at = Date.parse('2026-12-24T12:00:00.123Z');
    const id = uuidv7(at);
    expect(id).toMatch(FORMAT);
    expect(uuidv7Time(id)).toBe(at);
    // The first 48 bits are the milliseconds, big-endian: readable in the hex as is.
    expect(id.slice(0, 8) + id.slice(9, 13)).toBe(at.toString(16).padStart(12, '0'));
  });

  it('keeps the time exact at both ends of the 48-bit range', () => {
    expect(uuidv7Time(uuidv7(0))).toBe(0);
    expect(uuidv7Time(uuidv7(2 ** 48 - 1))).toBe(2 ** 48 - 1);
    expect(uuidv7(2 ** 48 - 1).startsWith('ffffffff-ffff-7')).toBe(true);
  });

  it('sorts by time across milliseconds (btree keys go to the right-hand leaf)', () => {
    const start = Date.parse('2026-12-24T12:00:00.000Z');
    const ids = Array.from({ length: 2_000 }, (_, i) => uuidv7(start + Math.floor(i / 3)));
    const byTime = ids.map((id) => uuidv7Time(id));
    expect(byTime).toEqual([...byTime].sort((a, b) => a - b));
    // Lexical order (what a uuid btree compares, byte by byte) agrees across distinct milliseconds.
    for (let i = 3; i < ids.length; i += 3) expect((ids[i - 1] as string) < (ids[i] as string)).toBe(true);
  });

  it('never repeats, within one millisecond and across refills of the random pool', () => {
    const at = Date.now();
    const ids = Array.from({ length: 5_000 }, () => uuidv7(at));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(FORMAT);
  });
});
