/**
 * Errors that mean "the database cannot be reached right now", not "this request is wrong": a
 * customer gets 503 with Retry-After and tries again, and the pool reconnects by itself once
 * PostgreSQL is back (pg.Pool drops broken clients and opens new ones on demand).
 */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is stopping (pg_ctl stop / restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '57014', // query_canceled: statement_timeout ran out (the server did not answer in time)
  '25P03', // idle_in_transaction_session_timeout: the session was ended, a new one will do
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1017', // Prisma: server closed the connection
]);

const unavailableMessages = [
  /connection terminated/i,
  /connection error and is not queryable/i,
  /server closed the connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /can't reach database server/i,
  // pg's client-side bounds (query_timeout, connectionTimeoutMillis): no answer in time.
  /^query read timeout$/i,
  /^timeout expired$/i,
];

function* causes(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  // Prisma's driver adapter and AggregateError (a refused IPv4 + IPv6 connect) wrap the pg error.
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    yield e as { code?: unknown; message?: unknown };
    const { cause, errors, originalCode } = e as {
      cause?: unknown;
      errors?: unknown;
      originalCode?: unknown;
    };
    if (typeof originalCode === 'string') yield { code: originalCode };
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
}

export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    // SQLSTATE class 08: connection exceptions.
    if (unavailableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (unavailableMessages.some((re) => re.test(message))) return true;
  }
  return false;
}

/** pg.Pool's own message when no connection could be handed out within connectionTimeoutMillis. */
export const POOL_TIMEOUT = 'timeout exceeded when trying to connect';
