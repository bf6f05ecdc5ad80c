import type pg from 'pg';

/**
 * The bounds of every wait on PostgreSQL, for every pool and long-lived client: a server that
 * stops answering (a stalled disk, a network black hole, a paused process) then costs a caller
 * a few seconds and an error it can retry, never a hang. Each is a setting (DB_* in the
 * service config, documented in .env.example).
 */
export interface DatabaseTimeouts {
  /** Server side: a statement running longer is cancelled (SQLSTATE 57014). */
  statementTimeoutMs: number;
  /** Server side: a wait for a lock (a row, an advisory lock) longer than this fails (55P03). */
  lockTimeoutMs: number;
  /** Server side: a session idle inside a transaction longer than this is ended, freeing its locks (25P03). */
  idleInTransactionTimeoutMs: number;
  /**
   * Client side: a query without an answer after this fails ("Query read timeout") and its
   * connection is discarded. The server-side timeouts cannot fire when the server itself is
   * not running (paused, or on the far side of a half-open connection): this one can.
   */
  queryTimeoutMs: number;
  /** Client side: opening a connection, and waiting for a free one in a pool, each at most this. */
  connectTimeoutMs: number;
  /**
   * TCP keep-alive probes start after this much silence on a connection, so a peer that vanished
   * (a half-open connection) is noticed by the kernel instead of waited for.
   */
  keepAliveInitialDelayMs: number;
}

export const databaseTimeoutDefaults = {
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 2_000,
  // Longer than the outbox relay's publish (its transaction waits for the brokers' acks, with
  // kafkajs' retries during a leader election): only a session that is truly stuck is ended.
  idleInTransactionTimeoutMs: 60_000,
  // Past the statement timeout, so that normally the server cancels first and the connection
  // stays usable; this one fires only when the server cannot.
  queryTimeoutMs: 6_000,
  connectTimeoutMs: 5_000,
  keepAliveInitialDelayMs: 10_000,
} as const satisfies DatabaseTimeouts;

/** The pg client settings for these bounds (a pool passes them to each of its clients). */
export function connectionOptions(timeouts: Partial<DatabaseTimeouts> = {}): pg.ClientConfig {
  const t = { ...databaseTimeoutDefaults, ...timeouts };
  return {
    statement_timeout: t.statementTimeoutMs,
    lock_timeout: t.lockTimeoutMs,
    idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs,
    query_timeout: t.queryTimeoutMs,
    connectionTimeoutMillis: t.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveInitialDelayMs,
  };
}
