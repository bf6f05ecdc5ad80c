import { isDatabaseUnavailable, POOL_TIMEOUT } from '@akaso/db';
import { AppError } from '@akaso/service';

export { isDatabaseUnavailable };

export const databaseUnavailable = (cause: unknown) =>
  new AppError('DATABASE_UNAVAILABLE', 'the order database is unavailable, retry in a moment', {}, { cause });

export const userBusy = (cause: unknown) =>
  new AppError(
    'USER_BUSY',
    'another order of this user is still being placed, retry in a moment',
    {},
    { cause },
  );

const sqlState = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};

/**
 * No pooled connection within the connect timeout: pg's own error, the database adapter's
 * POOL_TIMEOUT, or Prisma's error around either (its message ends with pg's).
 */
export function isPoolTimeout(err: unknown): boolean {
  const message = (err as Error | null)?.message;
  return sqlState(err) === 'POOL_TIMEOUT' || (typeof message === 'string' && message.endsWith(POOL_TIMEOUT));
}

/** The database adapter flags what a retry can help (packages/db DatabaseError), Prisma copies it. */
function flaggedRetriable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as Error).cause, depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true;
  }
  return false;
}

/**
 * What a failed database call says about the database:
 * - `unavailable`: unreachable, or no answer in time (a statement or client timeout, too many
 *   connections, no free pooled connection): any other call now would meet the same;
 * - `conflict`: a serialization failure or a deadlock: the other transaction is gone, the same
 *   call can pass at once;
 * - `locked`: a lock was not granted within the lock timeout: one user's orders are stuck
 *   behind another session, the others are not;
 * - `other`: the call itself is at fault (a constraint, a bad value, a bug).
 */
export function databaseFailure(err: unknown): 'unavailable' | 'conflict' | 'locked' | 'other' {
  const code = sqlState(err);
  if (isDatabaseUnavailable(err) || code === '57014' || code === '53300') return 'unavailable';
  // No pooled connection in time: the pool is saturated, every other call would wait as long.
  if (isPoolTimeout(err)) return 'unavailable';
  if (code === '40001' || code === '40P01') return 'conflict';
  if (code === '55P03') return 'locked';
  // Anything else the adapter says a retry can help (a failover's read-only standby, …).
  if (flaggedRetriable(err)) return 'unavailable';
  return 'other';
}

/**
 * Runs a database call of a request and turns the database's absence or a bounded wait that ran
 * out into a 503 with Retry-After (never a 500), and a pool with no free connection in time into
 * 503 OVERLOADED (saturated, not broken).
 */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (isPoolTimeout(err)) {
      throw new AppError('OVERLOADED', 'too many orders at once, retry in a moment', {}, { cause: err });
    }
    const failure = databaseFailure(err);
    // This user's quota lock is held elsewhere: the database is fine and other users' orders go on.
    if (failure === 'locked') throw userBusy(err);
    if (failure !== 'other') throw databaseUnavailable(err);
    throw err;
  }
}
