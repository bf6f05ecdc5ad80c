import { describe, expect, it } from 'vitest';
import { cachedCheck } from './service.ts';

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
    await new Promise((r) => setTimeout(r, 60));
    await expect(check.check()).rejects.toThrow(/ECONNREFUSED/);
    await expect(check.check()).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toBe(2);
  });
});
