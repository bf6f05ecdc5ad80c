import { createPool, type DatabaseTimeouts, type Pool } from '@akaso/db';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

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
    connectionString,
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
