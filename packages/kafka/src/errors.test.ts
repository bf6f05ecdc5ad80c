import { ContractError } from '@akaso/contracts';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  classifyError,
  isTransient,
  PermanentError,
  retryDefaults,
  retryWhileTransient,
} from './errors.ts';

/** An adapter's error as the classifier sees it: any class, two fields. */
class AdapterError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, retriable: boolean, extra: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(`${code} happened`, options);
    this.code = code;
    this.retriable = retriable;
    Object.assign(this, extra);
  }
}

/** kafkajs builds its protocol errors from the broker's error entry (its typings say Error). */
const protocolError = (entry: { type: string; code: number; retriable: boolean; message: string }) =>
  new KafkaJSProtocolError(entry as unknown as Error);

describe('classifyError reads only what an error says about itself', () => {
  it('retriable: true is transient, retriable: false is permanent, with the adapter code', () => {
    expect(classifyError(new AdapterError('DATABASE_25006', true))).toMatchObject({
      kind: 'transient',
      retriable: true,
      code: 'DATABASE_25006',
    });
    expect(classifyError(new AdapterError('DATABASE_23505', false))).toMatchObject({
      kind: 'permanent',
      retriable: false,
      code: 'DATABASE_23505',
    });
  });

  it('carries the retry hint, the dependency, and a credentials refusal that pauses (transient, never permanent)', () => {
    const limited = classifyError(new AdapterError('X_RATE_LIMITED', true, { retryAfterMs: 2_000 }));
    expect(limited).toMatchObject({ kind: 'transient', retryAfterMs: 2_000 });
    const refused = classifyError(
      new AdapterError('STRIPE_AUTH', true, { blocksService: true, dependency: 'card provider' }),
    );
    expect(refused).toMatchObject({
      kind: 'transient',
      retriable: true,
      blocksService: true,
      dependency: 'card provider',
    });
    // A permanent error cannot block the service: it concerns its message alone.
    expect(
      classifyError(new AdapterError('Y', false, { blocksService: true })).blocksService,
    ).toBeUndefined();
  });

  it('follows the cause chain to the first error that says, and lets a wrapper overrule its cause', () => {
    const inner = new AdapterError('SMTP_421', true);
    expect(classifyError(new Error('sending the confirmation', { cause: inner }))).toMatchObject({
      kind: 'transient',
      code: 'SMTP_421',
      message: 'sending the confirmation',
    });
    expect(classifyError(new PermanentError('GIVE_UP', 'no more', { cause: inner })).kind).toBe('permanent');
  });

  it('dead-letters flagged contract violations and programming errors', () => {
    expect(classifyError(new PermanentError('UNKNOWN_ORDER', 'x'))).toMatchObject({
      kind: 'permanent',
      retriable: false,
      code: 'UNKNOWN_ORDER',
    });
    expect(classifyError(new ContractError('bad event', ['/email: must be email']))).toMatchObject({
      kind: 'permanent',
      code: 'CONTRACT_VIOLATION',
    });
    for (const err of [
      new TypeError('x is undefined'),
      new RangeError('bad length'),
      new ReferenceError('y'),
    ]) {
      expect(classifyError(err)).toMatchObject({ kind: 'permanent', code: err.name });
    }
  });

  it('knows no provider: an unflagged error is unknown whatever its code or message', () => {
    const unflagged: unknown[] = [
      Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Mailbox busy'), { responseCode: 450 }),
      Object.assign(new Error('An error occurred with our connection to Stripe'), {
        type: 'StripeConnectionError',
      }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ];
    for (const err of unflagged) {
      expect(classifyError(err).kind, String(err)).toBe('unknown');
      expect(isTransient(err)).toBe(false);
    }
    expect(classifyError(unflagged[0]).code).toBe('25006');
    expect(classifyError('weird')).toMatchObject({ kind: 'unknown', code: 'UNKNOWN' });
  });
});

describe("classifyError and Kafka's own errors (kafkajs' retriable flag)", () => {
  it('retries what kafkajs would retry, also after kafkajs gave up retrying it', () => {
    const leaderMoved = protocolError({
      type: 'NOT_LEADER_FOR_PARTITION',
      code: 6,
      retriable: true,
      message: 'This server is not the leader for that topic-partition',
    });
    expect(classifyError(leaderMoved)).toMatchObject({ kind: 'transient', code: 'NOT_LEADER_FOR_PARTITION' });
    expect(classifyError(new KafkaJSConnectionError('Connection error: ECONNREFUSED')).kind).toBe(
      'transient',
    );
    const exhausted = new KafkaJSNumberOfRetriesExceeded(leaderMoved, { retryCount: 5, retryTime: 1_000 });
    expect(exhausted.retriable).toBe(false);
    expect(classifyError(exhausted).kind).toBe('transient');
  });

  it('dead-letters what Kafka rejects for good, and pauses when Kafka refuses our credentials', () => {
    const tooLarge = protocolError({
      type: 'MESSAGE_TOO_LARGE',
      code: 10,
      retriable: false,
      message: 'The request included a message larger than the max message size the server will accept',
    });
    expect(classifyError(tooLarge)).toMatchObject({ kind: 'permanent', code: 'MESSAGE_TOO_LARGE' });
    expect(classifyError(new KafkaJSNonRetriableError('Invalid topic')).kind).toBe('permanent');
    const denied = protocolError({
      type: 'TOPIC_AUTHORIZATION_FAILED',
      code: 29,
      retriable: false,
      message: 'Not authorized to access topics: [Topic authorization failed]',
    });
    expect(classifyError(denied)).toMatchObject({
      kind: 'transient',
      blocksService: true,
      dependency: 'kafka',
    });
    expect(
      classifyError(
        new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(
          'SASL authentication failed',
        ),
      ),
    ).toMatchObject({ kind: 'transient', blocksService: true });
  });
});

describe('retryWhileTransient', () => {
  it('retries a transient error, waiting at least its retry hint, and rethrows anything else at once', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    let calls = 0;
    const value = await retryWhileTransient(
      async () => {
        if (++calls < 3) throw new AdapterError('BUSY', true, { retryAfterMs: 7_000 });
        return 'done';
      },
      { sleep },
    );
    expect(value).toBe('done');
    expect(waits).toHaveLength(2);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(7_000);

    const permanent = new AdapterError('BAD', false);
    await expect(retryWhileTransient(() => Promise.reject(permanent), { sleep })).rejects.toBe(permanent);
    const unknown = new Error('odd');
    await expect(retryWhileTransient(() => Promise.reject(unknown), { sleep })).rejects.toBe(unknown);
    expect(waits).toHaveLength(2);
  });
});

describe('backoffMs', () => {
  it('grows exponentially, is capped, and keeps at least half the step', () => {
    expect(backoffMs(1, retryDefaults, () => 0)).toBe(50);
    expect(backoffMs(1, retryDefaults, () => 1)).toBe(100);
    expect(backoffMs(3, retryDefaults, () => 1)).toBe(400);
    expect(backoffMs(20, retryDefaults, () => 1)).toBe(retryDefaults.maxBackoffMs);
  });
});
