import type pg from 'pg';
import { toDatabaseError } from './database-error.ts';

type Method = (...args: unknown[]) => unknown;

/** The same method, whose error (by callback or by rejection) comes out as a DatabaseError. */
function classifying(method: Method): Method {
  return function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, ...rest: unknown[]) =>
        (callback as Method)(err ? toDatabaseError(err) : err, ...rest);
      return method.apply(this, args);
    }
    const out = method.apply(this, args);
    // A submittable (a cursor) reports on its own; a promise is classified on rejection.
    if (out && typeof (out as Promise<unknown>).then === 'function' && !('submit' in (out as object))) {
      return (out as Promise<unknown>).catch((err: unknown) => {
        throw toDatabaseError(err);
      });
    }
    return out;
  };
}

/**
 * The seam between PostgreSQL and everything above it: every raw statement (pool.query, a
 * checked-out client's query, the transaction helper) and Prisma's pg adapter (which queries
 * through the same pool) fail with the adapter's DatabaseError, so the consumer can tell a
 * failover from a constraint without knowing pg or Prisma. The pool's own behaviour is
 * unchanged: a broken client is still released with its error and destroyed.
 */
export function classifyPoolErrors(pool: pg.Pool): pg.Pool {
  pool.connect = classifying(pool.connect as Method) as typeof pool.connect;
  pool.query = classifying(pool.query as Method) as typeof pool.query;
  pool.on('connect', (client) => {
    client.query = classifying(client.query as Method) as typeof client.query;
  });
  return pool;
}
