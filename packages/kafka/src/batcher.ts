import { setTimeout as delay } from 'node:timers/promises';
import {
  backoffMs,
  type ClassifiedError,
  classifyError,
  type RetryOptions,
  retryDefaults,
} from './errors.ts';

/**
 * The consumer's unit of work, without kafkajs: the fetched messages of one partition, in offset
 * order, and whether that partition is still ours (false on shutdown or when a rebalance took
 * it). Kafka never hands one partition to two batches at once, so two parts in flight never
 * hold messages of the same key: per-user order needs nothing more than "apply a part's items
 * in the order given".
 */
export interface Part<D> {
  items: readonly D[];
  isActive(): boolean;
}

export type PartOutcome = 'done' | 'aborted';

export interface BatcherOptions<D> {
  /** Applies all items at once (one database transaction), in the order given, or throws. */
  handle(items: D[]): Promise<void>;
  /** Publishes one item that can never succeed to the dead-letter topic (acks=all). */
  deadLetter(item: D, error: ClassifiedError, attempts: number): Promise<void>;
  /** Commits the offsets of these fully handled parts, in one request. */
  commit(parts: Part<D>[]): Promise<void>;
  /** Keeps the group membership alive while waiting (backoff, a slow dependency). */
  heartbeat(): Promise<void>;
  /** Items per handler call: the size of one database transaction. */
  maxItems: number;
  /** Waits this long after the first part arrives, so parts fetched together go together. */
  lingerMs: number;
  /** Handler calls running at once (they hold different partitions, so order is unaffected). */
  maxInFlight: number;
  retry?: Partial<RetryOptions>;
  onRetry?(error: ClassifiedError, attempt: number): void;
  onDeadLetter?(item: D, error: ClassifiedError, attempts: number): void;
  /** A handler call succeeded: how many items, how long it took. */
  onApplied?(count: number, ms: number): void;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export interface Batcher<D> {
  /** Resolves when every item of the part is applied or dead-lettered and committed (or aborted). */
  submit(part: Part<D>): Promise<PartOutcome>;
  /** Since when a dependency has been failing (the oldest retry still going), for readiness. */
  waiting(): { since: number; error: ClassifiedError } | null;
  /** Parts waiting or in flight. */
  pending(): number;
}

interface Entry<D> {
  part: Part<D>;
  resolve(outcome: PartOutcome): void;
  reject(err: unknown): void;
}

type Attempted =
  | { ok: true }
  | { ok: false; aborted: true }
  | { ok: false; aborted: false; error: ClassifiedError; attempts: number };

/**
 * Group commit for a consumer: the parts fetched together (several partitions, each its batch)
 * are applied by ONE handler call — one database transaction for what used to be one per
 * message — and their offsets committed by ONE request, after the effects (at-least-once; the
 * handler dedupes by eventId).
 *
 * Failures, by kind (errors.ts):
 * - transient (a dependency is down): the same call is retried with backoff and heartbeats
 *   until it passes; the partitions wait; nothing is dead-lettered;
 * - permanent, or unknown after its attempts: the group falls back to one item at a time, so
 *   the one poison message is found and dead-lettered and all the others are applied.
 */
export function createBatcher<D>(opts: BatcherOptions<D>): Batcher<D> {
  const retry = { ...retryDefaults, ...opts.retry };
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  const queue: Entry<D>[] = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const waits = new Map<object, { since: number; error: ClassifiedError }>();

  function schedule() {
    if (timer || queue.length === 0 || inFlight >= opts.maxInFlight) return;
    timer = setTimeout(() => {
      timer = null;
      flush();
    }, opts.lingerMs);
  }

  function flush() {
    while (queue.length > 0 && inFlight < opts.maxInFlight) {
      const taken: Entry<D>[] = [];
      let count = 0;
      while (queue.length > 0) {
        const next = queue[0] as Entry<D>;
        if (taken.length > 0 && count + next.part.items.length > opts.maxItems) break;
        taken.push(next);
        count += next.part.items.length;
        queue.shift();
      }
      inFlight++;
      run(taken)
        .catch((err) => {
          for (const e of taken) e.reject(err);
        })
        .finally(() => {
          inFlight--;
          schedule();
        });
    }
  }

  /** Sleeps in slices with heartbeats, so a long backoff does not cost the group membership. */
  async function pause(ms: number, active: () => boolean) {
    for (let remaining = ms; remaining > 0 && active(); remaining -= 1_000) {
      await sleep(Math.min(remaining, 1_000));
      await opts.heartbeat();
    }
  }

  /** Calls `fn` until it succeeds, the work is no longer ours, or the error says give up. */
  async function attempt(fn: () => Promise<void>, active: () => boolean): Promise<Attempted> {
    const token = {};
    try {
      for (let n = 1; ; n++) {
        if (!active()) return { ok: false, aborted: true };
        try {
          await fn();
          return { ok: true };
        } catch (err) {
          const error = classifyError(err);
          if (error.kind === 'permanent' || (error.kind === 'unknown' && n >= retry.maxAttempts)) {
            return { ok: false, aborted: false, error, attempts: n };
          }
          if (error.kind === 'transient' && !waits.has(token)) waits.set(token, { since: Date.now(), error });
          opts.onRetry?.(error, n);
          await pause(backoffMs(Math.min(n, 20), retry, opts.random), active);
        }
      }
    } finally {
      waits.delete(token);
    }
  }

  async function run(entries: Entry<D>[]): Promise<void> {
    let live = entries;
    const settleInactive = () => {
      const [keep, drop] = [live.filter((e) => e.part.isActive()), live.filter((e) => !e.part.isActive())];
      for (const e of drop) e.resolve('aborted');
      live = keep;
      return live.length > 0;
    };
    const items = () => live.flatMap((e) => [...e.part.items]);
    const started = performance.now();
    const whole = await attempt(async () => {
      if (!settleInactive()) return;
      const all = items();
      await opts.handle(all);
      opts.onApplied?.(all.length, performance.now() - started);
    }, settleInactive);
    if (live.length === 0) return;
    // Applied work is committed even while stopping (commit() skips partitions we lost).
    if (!whole.ok) {
      if (whole.aborted) return;
      const single = live.length === 1 && live[0]?.part.items.length === 1 ? live[0] : null;
      if (single) {
        // The failing item is known already: straight to the dead-letter topic.
        const item = single.part.items[0] as D;
        const sent = await attempt(
          () => opts.deadLetter(item, whole.error, whole.attempts),
          () => single.part.isActive(),
        );
        if (!sent.ok) return single.resolve('aborted');
        opts.onDeadLetter?.(item, whole.error, whole.attempts);
      } else {
        // Find the poison: one item at a time, in order, each partition on its own.
        const kept = await Promise.all(live.map(async (e) => ((await oneByOne(e.part)) ? e : null)));
        for (const e of live) if (!kept.includes(e)) e.resolve('aborted');
        live = kept.filter((e): e is Entry<D> => e !== null);
        if (live.length === 0) return;
      }
    }
    await opts.commit(live.map((e) => e.part));
    for (const e of live) e.resolve('done');
  }

  /** Applies a part item by item; dead-letters what can never succeed. False when aborted. */
  async function oneByOne(part: Part<D>): Promise<boolean> {
    const active = () => part.isActive();
    for (const item of part.items) {
      const started = performance.now();
      const r = await attempt(async () => {
        await opts.handle([item]);
        opts.onApplied?.(1, performance.now() - started);
      }, active);
      if (r.ok) continue;
      if (r.aborted) return false;
      const { error, attempts } = r;
      // The dead letter must reach Kafka before the offset moves past it: retried like the rest.
      const sent = await attempt(() => opts.deadLetter(item, error, attempts), active);
      if (!sent.ok) return false;
      opts.onDeadLetter?.(item, error, attempts);
    }
    return true;
  }

  return {
    submit(part) {
      if (part.items.length === 0) return Promise.resolve('done');
      return new Promise<PartOutcome>((resolve, reject) => {
        queue.push({ part, resolve, reject });
        schedule();
      });
    },
    waiting() {
      let oldest: { since: number; error: ClassifiedError } | null = null;
      for (const w of waits.values()) if (!oldest || w.since < oldest.since) oldest = w;
      return oldest;
    },
    pending: () => queue.length + inFlight,
  };
}
