import { describe, expect, it } from 'vitest';
import { instanceState } from './readiness.ts';
import { formatTable, type Row } from './stack.ts';

describe("a service instance's row in the status table", () => {
  it('is up when /readyz answers 200', () => {
    expect(instanceState(200, { status: 'ok', checks: { database: 'ok', kafka: 'ok' } })).toEqual({
      status: 'up',
    });
  });

  it('is not ready on 503, naming only the failing checks with their reasons', () => {
    const state = instanceState(503, {
      status: 'not ready',
      checks: {
        database: 'ok',
        consumer: 'not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432',
        'outbox relay': 'cannot publish for 7s:\n  no leader',
      },
    });
    expect(state).toEqual({
      status: 'not ready',
      detail:
        'consumer: not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432; outbox relay: cannot publish for 7s: no leader',
    });
  });

  it('is not ready on any other answer, saying what came back', () => {
    expect(instanceState(502, null)).toEqual({ status: 'not ready', detail: '/readyz answered 502' });
    expect(instanceState(503, { status: 'not ready', checks: {} })).toEqual({
      status: 'not ready',
      detail: '/readyz answered 503',
    });
  });

  it('shows "not ready" and the reason in the WHERE column of the table', () => {
    const rows: Row[] = [
      { part: 'payment-1', status: 'up', where: 'http://127.0.0.1:3200', logs: 'payment-1.log' },
      {
        part: 'email-1',
        status: 'not ready',
        where: 'http://127.0.0.1:3300  not ready: consumer: not consuming for 12s: ECONNREFUSED',
        logs: 'email-1.log',
      },
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines[1]).toMatch(/^payment-1\s+up\s+http:\/\/127\.0\.0\.1:3200\s+payment-1\.log$/);
    expect(lines[2]).toMatch(
      /^email-1\s+not ready\s+http:\/\/127\.0\.0\.1:3300 {2}not ready: consumer: not consuming for 12s: ECONNREFUSED\s+email-1\.log$/,
    );
  });
});
