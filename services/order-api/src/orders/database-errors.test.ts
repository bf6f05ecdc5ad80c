import { AppError } from '@akaso/service';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, withDatabase } from './database-errors.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database errors', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    [
      'an admin shutdown (pg_ctl stop/restart)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['a server still starting', withCode('57P03', 'the database system is starting up')],
    ['any SQLSTATE of class 08', withCode('08006', 'connection failure')],
    ['Prisma cannot reach the server', withCode('P1001')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a connect timeout', new Error('Connection terminated due to connection timeout')],
    ['a refused IPv4 + IPv6 connect', new AggregateError([withCode('ECONNREFUSED')], '')],
    ['a driver adapter wrapping the pg error', new Error('adapter', { cause: withCode('57P01') })],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ["pg's client-side query timeout (a server that stopped answering)", new Error('Query read timeout')],
    ["pg's connect timeout", new Error('timeout expired')],
    ['a session ended for idling in a transaction', withCode('25P03')],
  ])('%s means the database is unavailable', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a constraint violation', withCode('23514', 'violates check constraint')],
    ['a syntax error', withCode('42601')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
  ])('%s does not', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('withDatabase answers 503 DATABASE_UNAVAILABLE (down, timed out, a conflict, a lock not granted in time), OVERLOADED for a full pool, and lets the rest through', async () => {
    const down = await withDatabase(() => Promise.reject(withCode('ECONNREFUSED'))).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(AppError);
    expect(down).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    const full = await withDatabase(() =>
      Promise.reject(new Error('timeout exceeded when trying to connect')),
    ).catch((e: unknown) => e);
    expect(full).toMatchObject({ code: 'OVERLOADED', statusCode: 503 });
    for (const code of ['57014', '40P01', '40001', '53300']) {
      const transient = await withDatabase(() => Promise.reject(withCode(code))).catch((e: unknown) => e);
      expect(transient, code).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    }
    // A lock not granted in time is one user's wait, not the database's absence.
    const locked = await withDatabase(() => Promise.reject(withCode('55P03'))).catch((e: unknown) => e);
    expect(locked).toMatchObject({ statusCode: 503, code: 'USER_BUSY' });
    const constraint = withCode('23514');
    await expect(withDatabase(() => Promise.reject(constraint))).rejects.toBe(constraint);
    // Prisma's error around the pool's: the message ends with pg's, the adapter's code is copied.
    const prismaPool = Object.assign(
      new Error(
        '\nInvalid `prisma.burger.findMany()` invocation:\n\n\ntimeout exceeded when trying to connect',
      ),
      { code: 'POOL_TIMEOUT' },
    );
    expect(await withDatabase(() => Promise.reject(prismaPool)).catch((e: unknown) => e)).toMatchObject({
      code: 'OVERLOADED',
    });
    const flagged = Object.assign(new Error('read-only transaction'), { code: '25006', retriable: true });
    expect(await withDatabase(() => Promise.reject(flagged)).catch((e: unknown) => e)).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    });
    const bug = new TypeError('boom');
    await expect(withDatabase(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
