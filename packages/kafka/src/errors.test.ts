import { describe, expect, it } from 'vitest';
import { backoffMs, classifyError, PermanentError, retryDefaults } from './errors.ts';

describe('classifyError', () => {
  it('dead-letters what says it is not retriable and retries the rest', () => {
    expect(classifyError(new PermanentError('UNKNOWN_ORDER', 'x'))).toMatchObject({
      retriable: false,
      code: 'UNKNOWN_ORDER',
    });
    expect(classifyError(Object.assign(new Error('db down'), { code: 'ECONNREFUSED' }))).toMatchObject({
      retriable: true,
      code: 'ECONNREFUSED',
    });
    expect(classifyError('weird')).toMatchObject({ retriable: true, code: 'UNKNOWN' });
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
