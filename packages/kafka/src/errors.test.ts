import { ContractError } from '@akaso/contracts';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifyError, isTransient, PermanentError, retryDefaults } from './errors.ts';

describe('classifyError', () => {
  it('dead-letters what says it is not retriable, and programming errors', () => {
    expect(classifyError(new PermanentError('UNKNOWN_ORDER', 'x'))).toMatchObject({
      kind: 'permanent',
      retriable: false,
      code: 'UNKNOWN_ORDER',
    });
    expect(classifyError(new ContractError('bad event', ['/email: must be email']))).toMatchObject({
      kind: 'permanent',
      code: 'CONTRACT_VIOLATION',
    });
    for (const err of [
      new TypeError('x is undefined'),
      new RangeError('bad length'),
      new ReferenceError('y'),
    ]) {
      expect(classifyError(err).kind).toBe('permanent');
    }
  });

  it('recognises an unreachable or busy dependency as transient', () => {
    const cases: unknown[] = [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      Object.assign(new Error("Can't reach database server"), { code: 'P1001' }),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }),
      Object.assign(new Error('Mailbox busy'), { responseCode: 450 }),
      Object.assign(new Error('An error occurred with our connection to Stripe'), {
        type: 'StripeConnectionError',
      }),
      Object.assign(new Error('wrapper'), {
        cause: Object.assign(new Error('inner'), { code: 'ECONNRESET' }),
      }),
    ];
    for (const err of cases) {
      expect(classifyError(err).kind, String(err)).toBe('transient');
      expect(isTransient(err)).toBe(true);
    }
  });

  it('leaves the rest unknown: retried a few times, then dead-lettered', () => {
    expect(classifyError(Object.assign(new Error('duplicate key'), { code: '23505' })).kind).toBe('unknown');
    expect(classifyError(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })).kind).toBe(
      'unknown',
    );
    expect(classifyError('weird')).toMatchObject({ kind: 'unknown', code: 'UNKNOWN' });
  });
});

describe('backoffMs', () => {
  it('grows exponentially, is capped, and keeps at least half the step', () => {
    expect(backoffMs(1, retryDefaults, () => 0)).toBe(50);
    expect(backoffMs(1, retryDefaults, () => 1)).toBe(100);
    expect(backoffMs(3, retryDefaults, () => 1)).toBe(400);
    expect(backoffMs(20, retryDefaults, () => 1)).toBe(retryDefaults.maxBackoffMs);
  });
});
