import type { AnyEvent } from '@akaso/contracts';
import { describe, expect, it } from 'vitest';
import { nextStatus, type OrderStatus } from './status.ts';

const ev = (type: string, extra: Record<string, unknown> = {}) =>
  ({ type, reason: 'r', ...extra }) as unknown as AnyEvent;

describe('nextStatus', () => {
  it('walks received → reserved → confirmed', () => {
    expect(nextStatus('received', ev('StockReserved'))).toEqual({ status: 'reserved', reason: null });
    expect(nextStatus('reserved', ev('PaymentSucceeded'))).toEqual({ status: 'confirmed', reason: null });
  });

  it('rejects with the reason from inventory or payment', () => {
    expect(nextStatus('received', ev('StockRejected', { reason: 'out of stock: bun' }))).toEqual({
      status: 'rejected',
      reason: 'out of stock: bun',
    });
    expect(nextStatus('reserved', ev('PaymentFailed', { reason: 'declined' }))).toEqual({
      status: 'rejected',
      reason: 'declined',
    });
  });

  it('tolerates a payment event overtaking its reservation event', () => {
    expect(nextStatus('received', ev('PaymentSucceeded'))).toEqual({ status: 'confirmed', reason: null });
    expect(nextStatus('confirmed', ev('StockReserved'))).toBeNull();
  });

  it('never leaves a terminal state and ignores events that change nothing', () => {
    for (const terminal of ['confirmed', 'rejected'] as OrderStatus[]) {
      for (const t of [
        'StockReserved',
        'StockRejected',
        'PaymentSucceeded',
        'PaymentFailed',
        'StockReleased',
      ]) {
        expect(nextStatus(terminal, ev(t))).toBeNull();
      }
    }
    expect(nextStatus('reserved', ev('StockReleased'))).toBeNull();
    expect(nextStatus('reserved', ev('StockReserved'))).toBeNull();
  });
});
