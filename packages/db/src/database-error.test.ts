import { createServer, type Server } from 'node:net';
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyPoolErrors } from './classified-pool.ts';
import { DatabaseError, toDatabaseError } from './database-error.ts';

/** What the shared consumer reads (packages/kafka errors.ts): the flags, nothing else. */
function flags(err: unknown) {
  const e = err as Partial<DatabaseError>;
  return { code: e.code, retriable: e.retriable, blocksService: e.blocksService, dependency: e.dependency };
}

/** pg's own error for a server-sent ErrorResponse, as the protocol parser builds it. */
function serverError(code: string, message: string, fields: Partial<pg.DatabaseError> = {}) {
  return Object.assign(new pg.DatabaseError(message, message.length, 'error'), {
    severity: 'ERROR',
    code,
    ...fields,
  });
}

describe('DatabaseError by SQLSTATE', () => {
  it.each([
    ['25006', 'cannot execute INSERT in a read-only transaction'], // a failover: the old primary is now a standby
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['57014', 'canceling statement due to statement timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
    ['25P03', 'terminating connection due to idle-in-transaction timeout'],
  ])('%s is retriable: the consumer waits and dead-letters nothing', (code, message) => {
    const err = toDatabaseError(serverError(code, message));
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).toMatchObject({ code, retriable: true, blocksService: false, message });
    expect(flags(err)).toEqual({ code, retriable: true, blocksService: false, dependency: 'database' });
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint "orders_pkey"'],
    ['23514', 'new row violates check constraint "quantity_positive"'],
    ['22P02', 'invalid input syntax for type uuid: "x"'],
    ['42703', 'column "nope" does not exist'],
  ])('%s is not retriable: dead-lettered at once', (code, message) => {
    expect(flags(toDatabaseError(serverError(code, message)))).toMatchObject({ code, retriable: false });
  });

  it('a refused login or a revoked grant pauses the service instead of dead-lettering', () => {
    for (const code of ['28P01', '28000', '42501', '3D000']) {
      expect(flags(toDatabaseError(serverError(code, 'no')))).toEqual({
        code,
        retriable: true,
        blocksService: true,
        dependency: 'database',
      });
    }
  });

  it("keeps pg's diagnostics (what Prisma's adapter maps by) and leaves what it cannot judge alone", () => {
    const raw = serverError('23505', 'duplicate key', {
      constraint: 'orders_pkey',
      table: 'orders',
      detail: 'Key (id)',
    });
    expect(toDatabaseError(raw)).toMatchObject({
      severity: 'ERROR',
      constraint: 'orders_pkey',
      table: 'orders',
      detail: 'Key (id)',
      cause: raw,
    });
    const wrapped = toDatabaseError(raw);
    expect(toDatabaseError(wrapped)).toBe(wrapped);
    // A function's RAISE: only the function knows; the consumer treats it as unknown.
    const raised = serverError('P0001', 'custom');
    expect(toDatabaseError(raised)).toBe(raised);
    const bug = new TypeError('x is undefined');
    expect(toDatabaseError(bug)).toBe(bug);
  });
});

describe("DatabaseError from Prisma's errors", () => {
  it("reads the pg error under Prisma, and otherwise Prisma's own code", () => {
    const failover = new PrismaClientKnownRequestError('Raw query failed. Code: `25006`', {
      code: 'P2010',
      clientVersion: '7.10.0',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '25006' } } },
    });
    expect(flags(toDatabaseError(failover))).toMatchObject({ code: '25006', retriable: true });
    const unique = new PrismaClientKnownRequestError('Unique constraint failed', {
      code: 'P2002',
      clientVersion: '7.10.0',
      meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } },
    });
    expect(flags(toDatabaseError(unique))).toMatchObject({ code: '23505', retriable: false });
    const poolTimeout = new PrismaClientKnownRequestError('Timed out fetching a new connection', {
      code: 'P2024',
      clientVersion: '7.10.0',
    });
    expect(flags(toDatabaseError(poolTimeout))).toMatchObject({ code: 'P2024', retriable: true });
    const notFound = new PrismaClientKnownRequestError('Record to update not found', {
      code: 'P2025',
      clientVersion: '7.10.0',
    });
    expect(flags(toDatabaseError(notFound))).toMatchObject({ code: 'P2025', retriable: false });
  });
});

describe('the pool seam: real pg failures leave the pool classified', () => {
  const servers: Server[] = [];
  const pools: pg.Pool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end().catch(() => {})));
    for (const s of servers.splice(0)) s.close();
  });

  /** A TCP server that accepts and then never answers (a paused PostgreSQL), or hangs up at once. */
  async function listen(onConnection: 'silent' | 'hang-up'): Promise<number> {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      if (onConnection === 'hang-up') socket.destroy();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  function pool(port: number, opts: pg.PoolConfig = {}) {
    const p = classifyPoolErrors(new pg.Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', ...opts }));
    p.on('error', () => {});
    pools.push(p);
    return p;
  }

  it('a refused connection (pool.query and pool.connect)', async () => {
    const port = await listen('silent');
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 10));
    const p = pool(port);
    const viaQuery = await p.query('select 1').catch((e: unknown) => e);
    expect(viaQuery).toMatchObject({ name: 'DatabaseError', code: 'ECONNREFUSED', retriable: true });
    const viaConnect = await p.connect().catch((e: unknown) => e);
    expect(flags(viaConnect)).toMatchObject({ code: 'ECONNREFUSED', retriable: true });
  });

  it('a server that hangs up, one that never answers, and a pool with no free connection in time', async () => {
    const hangUp = pool(await listen('hang-up'));
    const lost = await hangUp.query('select 1').catch((e: unknown) => e);
    expect(lost).toMatchObject({ name: 'DatabaseError', retriable: true });
    expect((lost as DatabaseError).code).toMatch(/^08/);

    const silent = pool(await listen('silent'), { max: 1, connectionTimeoutMillis: 50 });
    const [first, second] = await Promise.all([
      silent.connect().catch((e: unknown) => e),
      silent.connect().catch((e: unknown) => e),
    ]);
    const codes = [first, second].map(flags).map((f) => `${f.code} ${f.retriable}`);
    // One waited for the connection being opened (08001), the other for a free one (POOL_TIMEOUT).
    expect(codes.sort()).toEqual(['08001 true', 'POOL_TIMEOUT true']);
  });

  it('callback style too (pool.query inside pg-pool calls its connect with a callback)', async () => {
    const port = await listen('silent');
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 10));
    const p = pool(port);
    const err = await new Promise((resolve) => p.query('select 1', [], (e) => resolve(e)));
    expect(err).toBeInstanceOf(DatabaseError);
  });
});
