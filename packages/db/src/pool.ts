import pg from 'pg';
import { classifyPoolErrors } from './classified-pool.ts';
import { connectionOptions, type DatabaseTimeouts } from './timeouts.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  connectionString: string;
  max: number;
  /** Shown in pg_stat_activity: which service (and which use) holds a connection. */
  name: string;
  /**
   * Bounds on every wait (databaseTimeoutDefaults for what is not given). `connectTimeoutMs`
   * also bounds the wait for a free connection: a caller fails fast instead of queueing.
   */
  timeouts?: Partial<DatabaseTimeouts>;
}

/**
 * One connection pool per service use, shared by Prisma (through its pg adapter) and the raw
 * statements of the hot paths. A connection that breaks (PostgreSQL restarted) is dropped by
 * the pool and a new one is opened on the next checkout: the pool reconnects by itself.
 */
export function createPool(opts: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    application_name: opts.name,
    ...connectionOptions(opts.timeouts),
  });
  // A connection killed by a server restart (57P01) emits 'error': on the pool when it is idle
  // (the pool has already discarded it), on the client itself when it is checked out between two
  // queries (a transaction computing, Prisma holding it). Without listeners either crashes the
  // process (it took order-api down in the fault matrix); with them, the next query on that
  // client fails as a transient error, and the client is destroyed when released broken.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  // Every failure leaves the pool saying whether a retry can help (database-error.ts).
  return classifyPoolErrors(pool);
}

/**
 * Runs `fn` in one transaction on one connection: committed if it returns, rolled back if it
 * throws. A connection that failed mid-transaction is destroyed rather than reused.
 */
export async function transaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
