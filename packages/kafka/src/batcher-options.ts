import type { Clock } from './clock.ts';
import type { ClassifiedError, RetryOptions } from './errors.ts';

/**
 * The consumer's unit of work, without kafkajs: messages of one partition, in offset order, and
 * whether that partition is still ours (false on shutdown or when a rebalance took it).
 */
export interface Part<D> {
  items: readonly D[];
  isActive(): boolean;
}

/** 'aborted' only when the part stopped being ours: its messages are redelivered, never skipped. */
export type PartOutcome = 'done' | 'aborted';

export interface BatcherOptions<D> {
  /** Applies all items at once (one database transaction), in the order given, or throws. */
  handle(items: D[]): Promise<void>;
  /** Publishes one item that can never succeed to the dead-letter topic (acks=all). */
  deadLetter(item: D, error: ClassifiedError, attempts: number): Promise<void>;
  /** Keeps the group membership alive while waiting (backoff, a slow dependency). */
  heartbeat(): Promise<void>;
  /**
   * Items with the same key are applied in submission order and never in two handler calls at
   * once; items with different keys may overtake each other. The consumer passes the message key
   * (the user), so a slow card charge holds that user's messages only, not its partition.
   */
  keyOf(item: D): string;
  /** Items per handler call: the size of one database transaction. */
  maxItems: number;
  /** Handler calls running at once (they never share a key, so order is unaffected). */
  maxInFlight: number;
  clock?: Clock;
  retry?: Partial<RetryOptions>;
  onRetry?(error: ClassifiedError, attempt: number): void;
  onDeadLetter?(item: D, error: ClassifiedError, attempts: number): void;
  /** A handler call succeeded: how many items, how long it took. */
  onApplied?(count: number, ms: number): void;
  random?(): number;
}

export interface Batcher<D> {
  /**
   * Queues the part's items; they start as soon as a call slot and their keys are free, together
   * with the other parts submitted in the same turn (when to submit is the pacing's business).
   * Resolves when every item is applied or dead-lettered ('done'), or dropped because the part
   * is no longer ours ('aborted').
   */
  submit(part: Part<D>): Promise<PartOutcome>;
  /** Resolves when fewer than `n` items are waiting or in handler calls. */
  below(n: number): Promise<void>;
  /** Drops waiting items of parts that are no longer active (their parts end 'aborted'). */
  sweep(): void;
  /** Since when a dependency has been failing (the oldest retry still going), for readiness. */
  waiting(): { since: number; error: ClassifiedError } | null;
  /** Items waiting or in handler calls. */
  pending(): number;
}
