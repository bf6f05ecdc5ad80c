import { setTimeout as delay } from 'node:timers/promises';
import { isDatabaseUnavailable, POOL_TIMEOUT } from '@akaso/db';
/**
 * Retry or dead-letter? One rule, in one place, for every consumer:
 *
 * - `permanent`: can never succeed however often it is tried — an error flagged
 *   `retriable: false` (a contract violation, a business impossibility) or a programming error
 *   (TypeError, RangeError, ReferenceError, SyntaxError). Dead-lettered at once.
 * - `transient`: a dependency is unreachable or busy (PostgreSQL restarting, a broker electing,
 *   the SMTP server or the card provider down, a lock conflict). Retried with backoff for as
 *   long as it takes, with heartbeats: the partition waits, nothing is dead-lettered.
 * - `unknown`: anything else. Retried a few times (it may be transient), then dead-lettered so
 *   one odd message cannot hold its partition forever.
 */
export type ErrorKind = 'transient' | 'permanent' | 'unknown';

export interface ClassifiedError {
  kind: ErrorKind;
  /** false only for `permanent`. */
  retriable: boolean;
  code: string;
  message: string;
}

// Socket errors of the other third parties (SMTP, the card provider, brokers).
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// PostgreSQL is reachable but busy: too many connections, a serialization failure or a
// deadlock, a lock not available. (Unreachable is isDatabaseUnavailable's, packages/db.)
const pgBusy = /^(53300|40001|40P01|55P03)$/;
// Prisma's pool timeout and its write conflict or deadlock.
const prismaBusy = new Set(['P1008', 'P2024', 'P2034']);
// nodemailer's connection-level failures (the SMTP server is down or hung up).
const smtpTransient = new Set(['ECONNECTION', 'ESOCKET', 'EDNS']);

const programmingErrors = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

interface Flagged {
  name?: unknown;
  code?: unknown;
  retriable?: unknown;
  /** Stripe: StripeConnectionError, StripeAPIError (5xx), StripeRateLimitError. */
  type?: unknown;
  statusCode?: unknown;
  /** SMTP reply code (nodemailer). */
  responseCode?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Is this error (or one of its causes) a dependency that is unreachable or busy right now? */
export function isTransient(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  for (let e = err as Flagged | undefined, depth = 0; e && depth < 5; e = e.cause as Flagged, depth++) {
    if (typeof e !== 'object') return false;
    const code = typeof e.code === 'string' ? e.code : '';
    if (socketCodes.has(code) || smtpTransient.has(code) || pgBusy.test(code) || prismaBusy.has(code))
      return true;
    if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) return true;
    if (e.type === 'StripeConnectionError' || e.type === 'StripeRateLimitError') return true;
    if (e.type === 'StripeAPIError' && typeof e.statusCode === 'number' && e.statusCode >= 500) return true;
    // kafkajs marks what it would retry itself (leader moving, coordinator loading).
    if (typeof e.name === 'string' && e.name.startsWith('KafkaJS') && e.retriable === true) return true;
    if (e.message === POOL_TIMEOUT) return true;
  }
  return false;
}

export function classifyError(err: unknown): ClassifiedError {
  if (!(err instanceof Error))
    return { kind: 'unknown', retriable: true, code: 'UNKNOWN', message: String(err) };
  const flagged = err as Error & Flagged;
  const code = typeof flagged.code === 'string' ? flagged.code : err.name;
  const kind: ErrorKind =
    flagged.retriable === false || programmingErrors.has(err.name)
      ? 'permanent'
      : isTransient(err)
        ? 'transient'
        : 'unknown';
  return { kind, retriable: kind !== 'permanent', code, message: err.message };
}

/** Throw this from a handler for a message that can never succeed. */
export class PermanentError extends Error {
  readonly retriable = false;
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
    this.code = code;
  }
}

export const retryDefaults = {
  /** Attempts for an `unknown` error before the DLQ (a `transient` one is retried until it passes). */
  maxAttempts: 6,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  factor: 2,
} as const;

export type RetryOptions = { [K in keyof typeof retryDefaults]: number };

/** Exponential backoff with full jitter (attempt is 1-based: the delay before attempt+1). */
export function backoffMs(attempt: number, opts: RetryOptions = retryDefaults, random = Math.random): number {
  const cap = Math.min(opts.maxBackoffMs, opts.initialBackoffMs * opts.factor ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Runs `fn` until it succeeds or fails for a non-transient reason, with backoff and a heartbeat
 * between tries. For the step AFTER an irreversible side effect (a mail accepted by the SMTP
 * server, a card charged): recording it must wait for the database rather than fail the batch
 * and have the side effect repeated.
 */
export async function retryWhileTransient<T>(
  fn: () => Promise<T>,
  opts: {
    heartbeat?: () => Promise<void>;
    retry?: Partial<RetryOptions>;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<T> {
  const retry = { ...retryDefaults, ...opts.retry };
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (classifyError(err).kind !== 'transient') throw err;
      await sleep(backoffMs(Math.min(attempt, 20), retry));
      await opts.heartbeat?.().catch(() => {});
    }
  }
}
