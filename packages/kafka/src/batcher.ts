import { setTimeout as delay } from 'node:timers/promises';
import {
  backoffMs,
  type ClassifiedError,
  classifyError,
  type RetryOptions,
  retryDefaults,
} from './errors.ts';

/**
 * The consumer's unit of work, without kafkajs: messages of one partition, in offset order, and
 * whether that partition is still ours (false on shutdown or when a rebalance took it). Several
 * parts of one partition may be in the batcher at once: order is kept per key (keyOf), not per
 * partition.
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
  /** The parts whose every item is applied or dead-lettered (those that finished together). */
  commit(parts: Part<D>[]): Promise<void>;
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
  /**
   * Waits this long after the first item arrives, so items fetched together go together. An
   * item arriving after a whole linger with no arrivals does not wait: nothing is coming to
   * join it (an idle consumer, a lone order).
   */
  lingerMs: number;
  /**
   * When a linger that starts at `now` ends; default `now + lingerMs`. A consumer whose fetches
   * wait at the broker until a shared tick ends its lingers at that tick, so what the fetches
   * from every broker bring for the tick goes in one call.
   */
  lingerEnd?(now: number): number;
  /** An item arriving after this long without arrivals is handled at once; default lingerMs. */
  quietMs?: number;
  /** Handler calls running at once (they never share a key, so order is unaffected). */
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
  /** Resolves when every item of the part is applied or dead-lettered (done), or given up (aborted). */
  submit(part: Part<D>): Promise<PartOutcome>;
  /**
   * Resolves after the next dispatch pass (lingerMs after a submit, or when a call frees a slot
   * while all are busy): the consumer's fetch pacing, whether or not every item could start.
   * With `leadMs`, already that long before a pending linger ends: the next fetch is then out
   * (waiting at the broker) while these items linger, and what it brings joins the same call.
   */
  flushed(leadMs?: number): Promise<void>;
  /** Resolves when fewer than `n` items are waiting or in handler calls. */
  below(n: number): Promise<void>;
  /** Drops waiting items of parts that are no longer active (their parts end 'aborted'). */
  sweep(): void;
  /** Since when a dependency has been failing (the oldest retry still going), for readiness. */
  waiting(): { since: number; error: ClassifiedError } | null;
  /** Items waiting or in handler calls. */
  pending(): number;
}

interface Entry<D> {
  part: Part<D>;
  /** Items not yet applied, dead-lettered or dropped. */
  remaining: number;
  aborted: boolean;
  resolve(outcome: PartOutcome): void;
  reject(err: unknown): void;
}

interface Slot<D> {
  item: D;
  key: string;
  entry: Entry<D>;
}

type Attempted =
  | { ok: true }
  | { ok: false; aborted: true }
  | { ok: false; aborted: false; error: ClassifiedError; attempts: number };

/**
 * Group commit for a consumer, with per-key concurrency: the waiting items (several partitions,
 * several fetches) are applied by ONE handler call — one database transaction — up to maxItems,
 * and up to maxInFlight calls run at once. An item waits only for earlier items of its own key,
 * so a slow third party (a 300 ms card charge) holds that user's messages, not its partition
 * or the other partitions of the same fetch.
 *
 * Failures, by kind (errors.ts):
 * - transient (a dependency is down): the same call is retried with backoff and heartbeats
 *   until it passes; its keys wait; nothing is dead-lettered;
 * - permanent, or unknown after its attempts: the call falls back to one item at a time, in
 *   order, so the one poison message is found and dead-lettered and all the others are applied.
 */
export function createBatcher<D>(opts: BatcherOptions<D>): Batcher<D> {
  const retry = { ...retryDefaults, ...opts.retry };
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  const quietMs = opts.quietMs ?? opts.lingerMs;
  let queue: Slot<D>[] = [];
  /** Keys held by a running handler call. */
  const busy = new Set<string>();
  let inFlight = 0;
  /** Items in handler calls. */
  let running = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending linger ends, and when the latest item arrived (Date.now() clock). */
  let dueAt = 0;
  let lastArrival = Number.NEGATIVE_INFINITY;
  const waits = new Map<object, { since: number; error: ClassifiedError }>();
  let belowWaiters: { n: number; resolve(): void }[] = [];
  const flushWaiters: (() => void)[] = [];

  function notifyBelow() {
    const size = queue.length + running;
    const still: typeof belowWaiters = [];
    for (const w of belowWaiters) size < w.n ? w.resolve() : still.push(w);
    belowWaiters = still;
  }

  /** One of the entry's items is finished (applied, dead-lettered or dropped). */
  function settleItem(entry: Entry<D>, aborted: boolean, done: Entry<D>[]) {
    if (aborted) entry.aborted = true;
    entry.remaining--;
    if (entry.remaining === 0) {
      if (entry.aborted) entry.resolve('aborted');
      else done.push(entry);
    }
  }

  async function commitDone(done: Entry<D>[]) {
    if (done.length === 0) return;
    try {
      await opts.commit(done.map((e) => e.part));
      for (const e of done) e.resolve('done');
    } catch (err) {
      for (const e of done) e.reject(err);
    }
  }

  function sweep() {
    const done: Entry<D>[] = [];
    const keep: Slot<D>[] = [];
    for (const s of queue) {
      if (s.entry.part.isActive()) keep.push(s);
      else {
        settleItem(s.entry, true, done);
      }
    }
    if (keep.length !== queue.length) {
      queue = keep;
      notifyBelow();
    }
    void commitDone(done);
  }

  /**
   * Starts the linger, or a pass at once (still after the current tick, so the parts of one
   * fetch go together) when nothing arrived for a whole linger before: under load items keep
   * arriving and every call waits the linger for company; an idle consumer's lone item, or one
   * left waiting for its key while the traffic stopped, does not pay it.
   */
  function schedule(quiet = Date.now() - lastArrival >= quietMs) {
    if (timer || queue.length === 0 || inFlight >= opts.maxInFlight) return;
    const now = Date.now();
    const wait = quiet ? 0 : Math.max(0, (opts.lingerEnd?.(now) ?? now + opts.lingerMs) - now);
    dueAt = now + wait;
    timer = setTimeout(() => {
      timer = null;
      flush();
    }, wait);
  }

  /** Takes the waiting items whose keys are free, in order, up to maxItems. */
  function take(): Slot<D>[] {
    const taken: Slot<D>[] = [];
    const keep: Slot<D>[] = [];
    const held = new Set<string>();
    for (const s of queue) {
      // A key held by a running call, or whose earlier item stays behind, keeps waiting.
      if (taken.length >= opts.maxItems || busy.has(s.key) || held.has(s.key)) {
        held.add(s.key);
        keep.push(s);
      } else taken.push(s);
    }
    queue = keep;
    return taken;
  }

  function flush() {
    sweep();
    dispatch();
    for (const f of flushWaiters.splice(0)) f();
  }

  function dispatch() {
    while (queue.length > 0 && inFlight < opts.maxInFlight) {
      const taken = take();
      if (taken.length === 0) break;
      const keys = new Set(taken.map((s) => s.key));
      for (const k of keys) busy.add(k);
      inFlight++;
      running += taken.length;
      run(taken)
        .catch((err) => {
          for (const s of taken) s.entry.reject(err);
        })
        .finally(() => {
          for (const k of keys) busy.delete(k);
          inFlight--;
          running -= taken.length;
          notifyBelow();
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

  async function run(slots: Slot<D>[]): Promise<void> {
    const done: Entry<D>[] = [];
    let live = slots;
    // Items of parts no longer ours are dropped before (another) try; applied work stays.
    const settleInactive = () => {
      const keep: Slot<D>[] = [];
      for (const s of live) {
        if (s.entry.part.isActive()) keep.push(s);
        else settleItem(s.entry, true, done);
      }
      live = keep;
      return live.length > 0;
    };
    const started = performance.now();
    const whole = await attempt(async () => {
      if (!settleInactive()) return;
      const all = live.map((s) => s.item);
      await opts.handle(all);
      opts.onApplied?.(all.length, performance.now() - started);
    }, settleInactive);
    if (whole.ok) {
      // Applied work is committed even while stopping (commit() skips partitions we lost).
      for (const s of live) settleItem(s.entry, false, done);
    } else if (!whole.aborted) {
      const single = live.length === 1 ? live[0] : undefined;
      if (single) {
        // The failing item is known already: straight to the dead-letter topic.
        await deadLetterOne(single, whole.error, whole.attempts, done);
      } else {
        // Find the poison: one item at a time, in the order given (so each key's order holds).
        for (const s of live) await oneAlone(s, done);
      }
    }
    await commitDone(done);
  }

  /** Dead-letters one item; the dead letter must reach Kafka before its offset is committed. */
  async function deadLetterOne(s: Slot<D>, error: ClassifiedError, attempts: number, done: Entry<D>[]) {
    const sent = await attempt(
      () => opts.deadLetter(s.item, error, attempts),
      () => s.entry.part.isActive(),
    );
    if (sent.ok) opts.onDeadLetter?.(s.item, error, attempts);
    settleItem(s.entry, !sent.ok, done);
  }

  async function oneAlone(s: Slot<D>, done: Entry<D>[]) {
    if (s.entry.aborted) return settleItem(s.entry, true, done);
    const started = performance.now();
    const r = await attempt(
      async () => {
        await opts.handle([s.item]);
        opts.onApplied?.(1, performance.now() - started);
      },
      () => s.entry.part.isActive(),
    );
    if (r.ok) return settleItem(s.entry, false, done);
    if (r.aborted) return settleItem(s.entry, true, done);
    await deadLetterOne(s, r.error, r.attempts, done);
  }

  return {
    submit(part) {
      if (part.items.length === 0) return Promise.resolve('done');
      return new Promise<PartOutcome>((resolve, reject) => {
        const entry: Entry<D> = {
          part,
          remaining: part.items.length,
          aborted: false,
          resolve,
          reject,
        };
        const now = Date.now();
        const quiet = now - lastArrival >= quietMs;
        lastArrival = now;
        for (const item of part.items) queue.push({ item, key: opts.keyOf(item), entry });
        schedule(quiet);
      });
    },
    flushed(leadMs = 0) {
      if (queue.length === 0) return Promise.resolve();
      const early = timer === null || leadMs <= 0 ? null : dueAt - leadMs - Date.now();
      if (early !== null && early <= 0) return Promise.resolve();
      const pass = new Promise<void>((resolve) => flushWaiters.push(resolve));
      return early === null ? pass : Promise.race([pass, delay(early)]);
    },
    below(n) {
      if (queue.length + running < n) return Promise.resolve();
      return new Promise((resolve) => belowWaiters.push({ n, resolve }));
    },
    sweep,
    waiting() {
      let oldest: { since: number; error: ClassifiedError } | null = null;
      for (const w of waits.values()) if (!oldest || w.since < oldest.since) oldest = w;
      return oldest;
    },
    pending: () => queue.length + running,
  };
}
