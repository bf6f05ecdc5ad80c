import { describe, expect, it } from 'vitest';
import { describeReadiness, parseReadiness, readReadiness } from './readiness.ts';

describe('readiness from /readyz', () => {
  it('is ready on 200, with no failing check', () => {
    const r = parseReadiness({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', kafka: 'ok' } },
    });
    expect(r).toEqual({ ready: true, failing: {} });
    expect(describeReadiness(r)).toBe('ready');
  });

  it('names every failing check of a 503 with its reason, and leaves out the passing ones', () => {
    const r = parseReadiness({
      status: 503,
      body: {
        status: 'not ready',
        checks: {
          database: 'ok',
          consumer: 'not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432',
          'outbox relay': 'cannot publish for 7s: There is no leader for this topic-partition',
        },
      },
    });
    expect(r).toEqual({
      ready: false,
      failing: {
        consumer: 'not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432',
        'outbox relay': 'cannot publish for 7s: There is no leader for this topic-partition',
      },
    });
    expect(describeReadiness(r)).toBe(
      'not ready: consumer: not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432; ' +
        'outbox relay: cannot publish for 7s: There is no leader for this topic-partition',
    );
  });

  it('is not ready on a non-200 without checks (a proxy page, an old service), saying the status', () => {
    for (const body of [null, 'Bad Gateway', { status: 'not ready' }, { checks: null }]) {
      expect(parseReadiness({ status: 502, body })).toEqual({
        ready: false,
        failing: { readyz: 'HTTP 502' },
      });
    }
  });

  it('asks GET <url>/readyz, and reports an instance that does not answer as unknown', async () => {
    const asked: string[] = [];
    const ok = await readReadiness('http://127.0.0.1:3100/', async (url) => {
      asked.push(url);
      return { status: 200, body: { status: 'ok', checks: {} } };
    });
    expect(asked).toEqual(['http://127.0.0.1:3100/readyz']);
    expect(ok.ready).toBe(true);
    const down = await readReadiness('http://127.0.0.1:3100', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:3100');
    });
    expect(down).toEqual({ ready: null, failing: {}, error: 'connect ECONNREFUSED 127.0.0.1:3100' });
    expect(describeReadiness(down)).toBe('readiness unknown: connect ECONNREFUSED 127.0.0.1:3100');
  });
});
