import { POOL_TIMEOUT } from './errors.ts';

/**
 * The database adapter's errors (undici's way): every failure of a PostgreSQL call that we can
 * judge leaves this package as a DatabaseError with a stable `code` (the SQLSTATE when the
 * server sent one) and whether trying again can help. The shared consumer reads only those two
 * fields (packages/kafka errors.ts); a failover, a timeout or a restart is then retried with
 * backoff and never dead-letters valid orders, while a constraint violation goes to the DLQ at
 * once. What cannot be judged (an unexpected SQLSTATE such as a function's RAISE) is left as it
 * is: the consumer treats it as unknown (a few tries, then the DLQ).
 */
export class DatabaseError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  /** The database refuses the service (credentials, grants, a missing database): not this message. */
  readonly blocksService: boolean;
  readonly dependency = 'database';
  // pg's diagnostics, copied so that callers (and Prisma's pg adapter, which maps a pg error by
  // these fields) read the same values on this error as on the one it replaces.
  declare readonly severity?: string;
  declare readonly detail?: string;
  declare readonly hint?: string;
  declare readonly constraint?: string;
  declare readonly table?: string;
  declare readonly column?: string;
  declare readonly schema?: string;

  constructor(verdict: Verdict, cause: unknown) {
    super(typeof (cause as Error)?.message === 'string' ? (cause as Error).message : String(cause), {
      cause,
    });
    if (cause && typeof cause === 'object') {
      const { name: _n, message: _m, stack: _s, ...fields } = cause as Record<string, unknown>;
      Object.assign(this, fields);
    }
    this.name = 'DatabaseError';
    this.code = verdict.code;
    this.retriable = verdict.retriable;
    this.blocksService = verdict.blocksService ?? false;
  }
}

interface Verdict {
  code: string;
  retriable: boolean;
  blocksService?: boolean;
}

const retry = (code: string): Verdict => ({ code, retriable: true });
const never = (code: string): Verdict => ({ code, retriable: false });
const refused = (code: string): Verdict => ({ code, retriable: true, blocksService: true });

/**
 * By SQLSTATE (PostgreSQL's appendix A). Retriable: the same statement can pass later, on this
 * server or on the one that replaces it.
 */
export function sqlStateVerdict(sqlState: string): Verdict | null {
  const cls = sqlState.slice(0, 2);
  // 08: connection exceptions. 53: insufficient resources (too many connections, out of memory,
  // disk full), freed by others.
  if (cls === '08' || cls === '53') return retry(sqlState);
  switch (sqlState) {
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected: the other transaction is gone, ours can pass
    case '40003': // statement_completion_unknown: the connection died mid-commit
    case '55P03': // lock_not_available: lock_timeout ran out behind another session
    case '57014': // query_canceled: statement_timeout ran out
    case '57P01': // admin_shutdown: the server is stopping (restart, failover)
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now: starting up, or a standby not yet promoted
    case '57P05': // idle_session_timeout: the session was ended, a new one will do
    case '25P03': // idle_in_transaction_session_timeout: the same
    case '25006': // read_only_sql_transaction: a managed failover sent us to the old primary, now a standby
    case '58000': // system_error
    case '58030': // io_error
      return retry(sqlState);
    case '28000': // invalid_authorization_specification
    case '28P01': // invalid_password
    case '3D000': // invalid_catalog_name: the configured database does not exist
    case '42501': // insufficient_privilege: a grant was revoked; every message would fail alike
      return refused(sqlState);
  }
  // 22: data exception, 23: integrity constraint, 42: syntax or access rule (a missing column, a
  // bad cast), 21: cardinality: the statement or its values are wrong, and stay wrong.
  if (cls === '22' || cls === '23' || cls === '42' || cls === '21') return never(sqlState);
  return null;
}

// Node's socket errors, on connect or mid-query: the server or the path to it is down.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// pg raises these without a code (the connection is lost, or gives no answer in time): the
// adapter names them with the SQLSTATE a server-side report would carry, as PgJDBC does.
const pgMessages: [string, Verdict][] = [
  [POOL_TIMEOUT, retry('POOL_TIMEOUT')],
  ['Connection terminated unexpectedly', retry('08006')],
  ['Connection terminated due to connection timeout', retry('08001')],
  ['Client has encountered a connection error and is not queryable', retry('08003')],
  ['Client was closed and is not queryable', retry('08003')],
  ['timeout expired', retry('08001')],
  // query_timeout: the server did not answer (paused, or behind a half-open connection).
  ['Query read timeout', retry('57014')],
];

// Prisma: its own codes (P1xxx connecting, P2xxx the query), and the pg error its adapter saw.
const prismaCodes: Record<string, Verdict> = {
  P1000: refused('P1000'), // authentication failed
  P1001: retry('P1001'), // can't reach database server
  P1002: retry('P1002'), // database server timed out
  P1008: retry('P1008'), // operations timed out
  P1017: retry('P1017'), // server closed the connection
  P2024: retry('P2024'), // timed out fetching a connection from the pool
  P2028: retry('P2028'), // transaction API error (an interactive transaction that expired)
  P2034: retry('P2034'), // write conflict or deadlock
};
const driverAdapterKinds: Record<string, Verdict> = {
  DatabaseNotReachable: retry('08001'),
  ConnectionClosed: retry('08006'),
  SocketTimeout: retry('08006'),
  TooManyConnections: retry('53300'),
  TransactionWriteConflict: retry('40001'),
  AuthenticationFailed: refused('28P01'),
  DatabaseAccessDenied: refused('28000'),
  DatabaseDoesNotExist: refused('3D000'),
};

interface Shape {
  name?: unknown;
  code?: unknown;
  errorCode?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: DriverCause } };
  cause?: unknown;
}
interface DriverCause {
  kind?: unknown;
  originalCode?: unknown;
  code?: unknown;
}

function driverCauseVerdict(c: DriverCause | undefined): Verdict | null {
  if (!c) return null;
  for (const code of [c.originalCode, c.code]) {
    const v = typeof code === 'string' ? sqlStateVerdict(code) : null;
    if (v) return v;
  }
  return typeof c.kind === 'string' ? (driverAdapterKinds[c.kind] ?? null) : null;
}

function verdictOf(e: Shape): Verdict | null {
  const code = typeof e.code === 'string' ? e.code : typeof e.errorCode === 'string' ? e.errorCode : '';
  const name = typeof e.name === 'string' ? e.name : '';
  if (name.startsWith('Prisma') || name === 'DriverAdapterError') {
    // The pg error under Prisma's says more than Prisma's own code (P2010 "raw query failed").
    const driver =
      driverCauseVerdict(e.meta?.driverAdapterError?.cause) ??
      (name === 'DriverAdapterError' ? driverCauseVerdict(e.cause as DriverCause) : null);
    if (driver) return driver;
    const prisma = prismaCodes[code];
    if (prisma) return prisma;
    // The rest of P2xxx: the query itself (a constraint, a record not found, a bad value).
    if (/^P2\d{3}$/.test(code)) return never(code);
    return null;
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const v = sqlStateVerdict(code);
    if (v) return v;
  }
  if (socketCodes.has(code)) return retry(code);
  if (typeof e.message === 'string') {
    for (const [message, v] of pgMessages) if (e.message === message) return v;
  }
  return null;
}

/**
 * The DatabaseError for a failed PostgreSQL call (pg's, Prisma's, a socket's), or the error
 * itself when it says nothing we can judge. Idempotent: a DatabaseError comes back as it is.
 */
export function toDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseError || !err || typeof err !== 'object') return err;
  let e = err as Shape | undefined;
  // A wrapper (pg-pool's connection timeout, an AggregateError's code) may say it, or its cause.
  for (let depth = 0; e && typeof e === 'object' && depth < 4; e = e.cause as Shape, depth++) {
    const v = verdictOf(e);
    if (v) return new DatabaseError(v, err);
  }
  return err;
}
