import { isDatabaseUnavailable, POOL_TIMEOUT } from '@akaso/db';
import { AppError } from '@akaso/service';

export { isDatabaseUnavailable };

export const databaseUnavailable = (cause: unknown) =>
  new AppError('DATABASE_UNAVAILABLE', 'the order database is unavailable, retry in a moment', {}, { cause });

/**
 * Runs a database call of a request and turns the database's absence into a 503 (never a 500),
 * and a pool with no free connection in time into 503 OVERLOADED (saturated, not broken).
 */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (isDatabaseUnavailable(err)) throw databaseUnavailable(err);
    if ((err as Error).message === POOL_TIMEOUT) {
      throw new AppError('OVERLOADED', 'too many orders at once, retry in a moment', {}, { cause: err });
    }
    throw err;
  }
}
