import { setTimeout as delay } from 'node:timers/promises';

/**
 * Retry or dead-letter? One rule, in one place, for every consumer, and it knows no provider:
 * each adapter (the database, the card gateway, the SMTP pool) throws errors that say for
 * themselves whether trying again can help (undici's and kafkajs' way, {@link FlaggedError}).
 *
 * - `permanent`: can never succeed however often it is tried: an error flagged
 *   `retriable: false` (a contract violation, a constraint, a request the provider calls
 *   invalid) or a programming error (TypeError, RangeError, ReferenceError, SyntaxError).
 *   Dead-lettered at once.
 * - `transient`: flagged `retriable: true` (a dependency unreachable, busy, failing over, or
 *   rejecting our credentials), or a kafkajs error kafkajs itself would retry. Retried with
 *   backoff for as long as it takes: the partition waits, nothing is dead-lettered.
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
  /** The dependency asked us to wait at least this long (a rate limit's Retry-After). */
  retryAfterMs?: number;
  /**
   * The dependency refuses the service itself, not this message (our credentials): every
   * message would fail alike until an operator acts. A `transient` error (retried, never
   * dead-lettered) that makes the service not ready at once.
   */
  blocksService?: boolean;
  /** Which dependency said so, for readiness and logs ('database', 'card provider', 'smtp'). */
  dependency?: string;
}

/**
 * What an adapter's error carries (duck-typed: any class, any package). `code` is stable and
 * prefixed by the adapter; the classifier reads the outermost error of the `cause` chain that
 * carries both fields, so a handler may wrap an adapter's error and keep its verdict, or
 * overrule it by flagging its own wrapper.
 */
export interface FlaggedError {
  code: string;
  retriable: boolean;
  retryAfterMs?: number;
  blocksService?: boolean;
  dependency?: string;
}

const programmingErrors = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

// kafkajs' "I gave up retrying" wrappers: the verdict is their cause's (a broker that stayed
// unreachable through kafkajs' own retries is still a broker that may come back).
const kafkaGaveUp = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);
// Kafka refusing us rather than the message: credentials or ACLs, fixed by an operator.
const kafkaRefusesUs = /^KafkaJSSASLAuthenticationError$|AUTHORIZATION_FAILED$|AUTHENTICATION_FAILED$/;

/** How deep a cause chain is followed (a cycle or a pathological chain stops here). */
const MAX_DEPTH = 8;

interface Shape {
  name?: unknown;
  code?: unknown;
  type?: unknown;
  retriable?: unknown;
  retryAfterMs?: unknown;
  blocksService?: unknown;
  dependency?: unknown;
  message?: unknown;
  cause?: unknown;
}

type Verdict = Omit<ClassifiedError, 'message'>;

function fromFlag(e: Shape & FlaggedError): Verdict {
  return {
    kind: e.retriable ? 'transient' : 'permanent',
    retriable: e.retriable,
    code: e.code,
    ...(typeof e.retryAfterMs === 'number' && e.retryAfterMs > 0 ? { retryAfterMs: e.retryAfterMs } : {}),
    ...(e.retriable && e.blocksService === true ? { blocksService: true } : {}),
    ...(typeof e.dependency === 'string' ? { dependency: e.dependency } : {}),
  };
}

function fromKafka(e: Shape & { name: string; retriable: boolean }): Verdict {
  const code = typeof e.type === 'string' ? e.type : e.name;
  if (kafkaRefusesUs.test(e.name) || kafkaRefusesUs.test(code))
    return { kind: 'transient', retriable: true, code, blocksService: true, dependency: 'kafka' };
  return { kind: e.retriable ? 'transient' : 'permanent', retriable: e.retriable, code, dependency: 'kafka' };
}

function verdictOf(err: unknown): Verdict | null {
  let e = err as Shape | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < MAX_DEPTH; e = e.cause as Shape, depth++) {
    const name = typeof e.name === 'string' ? e.name : '';
    if (name.startsWith('KafkaJS') && typeof e.retriable === 'boolean') {
      if (kafkaGaveUp.has(name) && e.cause) continue;
      return fromKafka(e as Shape & { name: string; retriable: boolean });
    }
    if (typeof e.code === 'string' && typeof e.retriable === 'boolean')
      return fromFlag(e as Shape & FlaggedError);
    if (programmingErrors.has(name)) return { kind: 'permanent', retriable: false, code: name };
  }
  return null;
}

export function classifyError(err: unknown): ClassifiedError {
  if (!(err instanceof Error))
    return { kind: 'unknown', retriable: true, code: 'UNKNOWN', message: String(err) };
  const verdict = verdictOf(err);
  if (verdict) return { ...verdict, message: err.message };
  const code = (err as Shape).code;
  return {
    kind: 'unknown',
    retriable: true,
    code: typeof code === 'string' ? code : err.name,
    message: err.message,
  };
}

/** Is this error (or the cause it carries) one that waiting can fix? */
export function isTransient(err: unknown): boolean {
  return classifyError(err).kind === 'transient';
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
      const error = classifyError(err);
      if (error.kind !== 'transient') throw err;
      // A dependency that said how long to wait is not asked again sooner.
      await sleep(Math.max(backoffMs(Math.min(attempt, 20), retry), error.retryAfterMs ?? 0));
      await opts.heartbeat?.().catch(() => {});
    }
  }
}
