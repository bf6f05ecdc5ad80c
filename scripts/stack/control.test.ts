import { fetchRefuses, serviceBasePorts } from '@akaso/stack-client';
import { describe, expect, it } from 'vitest';
import { parsePart, partName } from './control.ts';

describe('parsePart', () => {
  it('names every part as `pnpm stack status` prints it', () => {
    expect(parsePart('postgres')).toEqual({ kind: 'postgres' });
    expect(parsePart('mailpit')).toEqual({ kind: 'mailpit' });
    expect(parsePart('stripe-mock')).toEqual({ kind: 'stripe-mock' });
    expect(parsePart('kafka-2')).toEqual({ kind: 'kafka', id: 2 });
    expect(parsePart('payment-3')).toEqual({ kind: 'service', service: 'payment', i: 3 });
    expect(parsePart('order-api-1')).toEqual({ kind: 'service', service: 'order-api', i: 1 });
    expect(partName(parsePart('order-api-1'))).toBe('order-api-1');
  });

  it('refuses anything else, listing what exists', () => {
    expect(() => parsePart('kafka-4')).toThrow(/unknown part "kafka-4"; parts: postgres, mailpit/);
    expect(() => parsePart('payment-0')).toThrow(/unknown part/);
    expect(() => parsePart('payment-17')).toThrow(/unknown part/);
    expect(() => parsePart('billing-1')).toThrow(/order-api-<n>/);
  });
});

describe('service ports', () => {
  it('never lands an instance on a port fetch() and browsers refuse (6000 with offset 3000)', () => {
    expect(fetchRefuses(6000)).toBe(true);
    for (const base of Object.values(serviceBasePorts))
      for (let i = 0; i < 16; i++) expect(fetchRefuses(base + i)).toBe(false);
  });
});
