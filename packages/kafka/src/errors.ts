/**
 * Retry or dead-letter? One rule, in one place: an error that says `retriable: false` (a contract
 * violation, a business impossibility) goes to the DLQ at once; anything else is presumed
 * transient (database restart, broker election, a timeout) and is retried with backoff, and only
 * dead-lettered once the attempts are used up, so the partition keeps flowing.
 */
export interface ClassifiedError {
  retriable: boolean;
  code: string;
  message: string;
}

export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof Error) {
    const flagged = err as Error & { retriable?: unknown; code?: unknown };
    return {
      retriable: flagged.retriable !== false,
      code: typeof flagged.code === 'string' ? flagged.code : err.name,
      message: err.message,
    };
  }
  return { retriable: true, code: 'UNKNOWN', message: String(err) };
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
