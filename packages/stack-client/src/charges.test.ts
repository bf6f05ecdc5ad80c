import { describe, expect, it } from 'vitest';
import { chargesOf } from './charges.ts';
import { chargeCall } from './testing.ts';

const call = chargeCall;

describe('chargesOf: what counts as a charge on the card', () => {
  it('counts calls repeated under one idempotency key once (the provider dedupes them)', () => {
    const r = chargesOf([call({}), call({}), call({ outcome: 'unreachable', httpStatus: null })]);
    expect(r).toEqual({ charged: ['akaso-order-a'], maybe: [], deduplicated: 1 });
  });

  it('counts a second key for the same order as a second charge', () => {
    expect(chargesOf([call({}), call({ key: 'retry-b' })]).charged).toEqual(['akaso-order-a', 'retry-b']);
  });

  it('counts every call without a key as a charge of its own', () => {
    expect(chargesOf([call({ key: null }), call({ key: null })]).charged).toHaveLength(2);
  });

  it('never counts a decline, a refusal or an unreachable provider as a charge', () => {
    const r = chargesOf([
      call({ outcome: 'declined', httpStatus: 402 }),
      call({ outcome: 'refused', httpStatus: 400 }),
      call({ outcome: 'error', httpStatus: 500 }),
      call({ outcome: 'unreachable', httpStatus: null }),
    ]);
    expect(r.charged).toEqual([]);
    expect(r.maybe).toEqual([]);
  });

  it('keeps a lost answer as a maybe, unless the same key charged anyway', () => {
    expect(chargesOf([call({ outcome: 'lost', httpStatus: null })]).maybe).toEqual(['akaso-order-a']);
    expect(chargesOf([call({ outcome: 'lost', httpStatus: null }), call({})]).maybe).toEqual([]);
    expect(chargesOf([call({ key: 'k2', outcome: 'lost', httpStatus: null }), call({})]).maybe).toEqual([
      'k2',
    ]);
  });
});
