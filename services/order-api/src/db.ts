import { createPool, type DatabaseTimeouts, type Pool } from '@akaso/db';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * The connection string with READ COMMITTED as its sessions' default isolation (a startup
 * option, which outranks the database's and the role's defaults). The quota's lock-then-count
 * (place_order) is correct under READ COMMITTED only: each statement's snapshot then starts after
 * the lock wait. Under REPEATABLE READ the snapshot is the transaction's first, taken before the
 * wait, and misses the orders the lock holder just committed. A database or role may default to
 * another level (some managed services do): the pool asks for the level its code was written for,
 * and place_order refuses to run under another.
 */
export function withReadCommitted(connectionString: string): string {
  const url = new URL(connectionString);
  const given = url.searchParams.get('options');
  url.searchParams.set(
    'options',
    [given, '-c default_transaction_isolation=read\\ committed'].filter(Boolean).join(' '),
  );
  return url.toString();
}

export interface Database {
  /** Prisma for the reads and the status changes. */
  prisma: Db;
  /** The same pool, for the one hot statement Prisma would spread over ~8 round trips. */
  pool: Pool;
  close(): Promise<void>;
}

/**
 * One connection pool per use (the API's, the order-status consumer's), shared by Prisma and by
 * the raw pg calls. A request that waits longer than `timeouts.connectTimeoutMs` for a
 * connection fails fast (503 OVERLOADED) instead of queueing without bound.
 */
export function createDatabase(
  connectionString: string,
  max: number,
  opts: { name?: string; timeouts?: Partial<DatabaseTimeouts> } = {},
): Database {
  // createPool: the one place a pool is made, with the listener that keeps an idle connection
  // killed by a PostgreSQL restart from crashing the process (it crashed order-api mid-rush).
  const pool = createPool({
    connectionString: withReadCommitted(connectionString),
    max,
    name: opts.name ?? 'order-api',
    timeouts: opts.timeouts ?? {},
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      if (!pool.ended) await pool.end();
    },
  };
}
