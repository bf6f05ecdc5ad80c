import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedCheck } from './service.ts';

// Fake timers fake Date.now too, which is the clock cachedCheck reads.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('cachedCheck', () => {
  it('asks the dependency once per ttl, and reports its failure meanwhile', async () => {
    let calls = 0;
    let failing = false;
    const check = cachedCheck(
      'smtp',
      async () => {
        calls++;
        if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:1025');
      },
      40,
    );
    await check.check();
    await check.check();
    expect(calls).toBe(1);
    failing = true;
    vi.advanceTimersByTime(40);
    await check.check(); // still the cached answer: the ttl has not passed
    expect(calls).toBe(1);
    vi.advanceTimersByTime(1);
    await expect(check.check()).rejects.toThrow(/ECONNREFUSED/);
    await expect(check.check()).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toBe(2);
    failing = false;
    vi.advanceTimersByTime(40);
    await expect(check.check()).rejects.toThrow(/ECONNREFUSED/); // the failure is cached as long
    vi.advanceTimersByTime(1);
    await check.check();
    expect(calls).toBe(3);
  });
});
