import { describe, expect, it, vi } from 'vitest';
import { createReadiness } from './health.ts';

describe('readiness', () => {
  it('reports a check that does not answer within the bound as failing, with since when', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-06T12:00:00Z') });
    try {
      let calls = 0;
      const hang = { name: 'database', check: () => new Promise<void>(() => void calls++) };
      const ok = { name: 'kafka', check: async () => {} };
      const readiness = createReadiness({ checks: [hang, ok], timeoutMs: 2_000 });
      const first = readiness();
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await first).toEqual({
        ok: false,
        checks: {
          database: 'no answer within 2000 ms (failing since 2026-12-06T12:00:02.000Z, 0 s)',
          kafka: 'ok',
        },
        failingSince: { database: '2026-12-06T12:00:02.000Z' },
      });
      await vi.advanceTimersByTimeAsync(8_000);
      const second = readiness();
      await vi.advanceTimersByTimeAsync(2_000);
      const r = await second;
      // Still the first failure's time, and the hanging check was not started a second time.
      expect(r.checks.database).toBe(
        'no answer within 2000 ms (failing since 2026-12-06T12:00:02.000Z, 10 s)',
      );
      expect(calls).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets the failure once the check passes again', async () => {
    let fail = true;
    const db = {
      name: 'database',
      check: async () => {
        if (fail) throw new Error('connect ECONNREFUSED');
      },
    };
    let t = 1_000;
    const readiness = createReadiness({ checks: [db], timeoutMs: 1_000, now: () => t });
    expect((await readiness()).failingSince).toEqual({ database: new Date(1_000).toISOString() });
    fail = false;
    t = 5_000;
    expect(await readiness()).toEqual({ ok: true, checks: { database: 'ok' }, failingSince: {} });
    fail = true;
    t = 9_000;
    expect((await readiness()).failingSince).toEqual({ database: new Date(9_000).toISOString() });
  });
});
