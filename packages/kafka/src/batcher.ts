import type { Batcher, BatcherOptions, Part, PartOutcome } from './batcher-options.ts';
import { sleep, systemClock } from './clock.ts';
import { backoffMs, type ClassifiedError, classifyError, retryDefaults } from './errors.ts';

export type { Batcher, BatcherOptions, Part, PartOutcome } from './batcher-options.ts';

interface Entry<D> {
  part: Part<D>;
  /** Items not yet applied, dead-lettered or dropped. */
  remaining: number;
  aborted: boolean;
  resolve(outcome: PartOutcome): void;
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
 * Group commit with per-key concurrency: the waiting items (several partitions, several fetches)
 * are applied by ONE handler call — one database transaction — up to maxItems, and up to
 * maxInFlight calls run at once. An item waits only for earlier items of its own key.
 *
 * Failures, by kind (errors.ts):
 * - transient (a dependency is down): the same call is retried with backoff and heartbeats
 *   until it passes; its keys wait; nothing is dead-lettered;
 * - permanent, or unknown after its attempts: the call falls back to one item at a time, in
 *   order, so the one poison message is found and dead-lettered and all the others are applied.
 *
 * An item ends only applied, dead-lettered, or dropped because its part is no longer ours: a
 * failing heartbeat or a dead-letter topic that cannot be written keeps it retrying, since
 * giving up while the partition is still ours would leave a hole no commit can pass.
 */
export function createBatcher<D>(opts: BatcherOptions<D>): Batcher<D> {
  const retry = { ...retryDefaults, ...opts.retry };
  const clock = opts.clock ?? systemClock;
  let queue: Slot<D>[] = [];
  /** Keys held by a running handler call. */
  const busy = new Set<string>();
  let inFlight = 0;
  /** Items in handler calls. */
  let running = 0;
  const waits = new Map<object, { since: number; error: ClassifiedError }>();
  let dispatchQueued = false;
  let belowWaiters: { n: number; resolve(): void }[] = [];

  function notifyBelow() {
    const size = queue.length + running;
    const still: typeof belowWaiters = [];
    for (const w of belowWaiters) size < w.n ? w.resolve() : still.push(w);
    belowWaiters = still;
  }

  /** One of the entry's items is finished (applied, dead-lettered or dropped). */
  function settleItem(entry: Entry<D>, aborted: boolean) {
    if (aborted) entry.aborted = true;
    if (--entry.remaining === 0) entry.resolve(entry.aborted ? 'aborted' : 'done');
  }

  function sweep() {
    const keep = queue.filter((s) => s.entry.part.isActive());
    if (keep.length === queue.length) return;
    for (const s of queue) if (!s.entry.part.isActive()) settleItem(s.entry, true);
    queue = keep;
    notifyBelow();
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

  function dispatch() {
    sweep();
    while (queue.length > 0 && inFlight < opts.maxInFlight) {
      const taken = take();
      if (taken.length === 0) break;
      const keys = new Set(taken.map((s) => s.key));
      for (const k of keys) busy.add(k);
      inFlight++;
      running += taken.length;
      void run(taken).finally(() => {
        for (const k of keys) busy.delete(k);
        inFlight--;
        running -= taken.length;
        notifyBelow();
        dispatch();
      });
    }
  }

  /** Sleeps in slices with heartbeats, so a long backoff does not cost the group membership. */
  async function pause(ms: number, active: () => boolean) {
    for (let remaining = ms; remaining > 0 && active(); remaining -= 1_000) {
      await sleep(clock, Math.min(remaining, 1_000));
      // A failed heartbeat is the group's business: a lost generation shows in active().
      await opts.heartbeat().catch(() => {});
    }
  }

  /**
   * Calls `fn` until it succeeds, the work is no longer ours, or the error says give up
   * (`giveUp: false`: never, for the dead-letter publish that must happen before a commit).
   */
  async function attempt(fn: () => Promise<void>, active: () => boolean, giveUp = true): Promise<Attempted> {
    const token = {};
    try {
      for (let n = 1; ; n++) {
        if (!active()) return { ok: false, aborted: true };
        try {
          await fn();
          return { ok: true };
        } catch (err) {
          const error = classifyError(err);
          const hopeless = error.kind === 'permanent' || (error.kind === 'unknown' && n >= retry.maxAttempts);
          if (giveUp && hopeless) return { ok: false, aborted: false, error, attempts: n };
          if (!waits.has(token) && (error.kind === 'transient' || !giveUp))
            waits.set(token, { since: clock.now(), error });
          opts.onRetry?.(error, n);
          // A provider that said when to come back (Retry-After) is not asked sooner.
          await pause(
            Math.max(backoffMs(Math.min(n, 20), retry, opts.random), error.retryAfterMs ?? 0),
            active,
          );
        }
      }
    } finally {
      waits.delete(token);
    }
  }

  async function run(slots: Slot<D>[]): Promise<void> {
    let live = slots;
    // Items of parts no longer ours are dropped before (another) try; applied work stays.
    const settleInactive = () => {
      const keep: Slot<D>[] = [];
      for (const s of live) {
        if (s.entry.part.isActive()) keep.push(s);
        else settleItem(s.entry, true);
      }
      live = keep;
      return live.length > 0;
    };
    const whole = await apply(() => live.map((s) => s.item), settleInactive);
    if (whole.ok) for (const s of live) settleItem(s.entry, false);
    else if (!whole.aborted) {
      const single = live.length === 1 ? live[0] : undefined;
      // The failing item is known already: straight to the dead-letter topic. Otherwise find
      // the poison one item at a time, in the order given (so each key's order holds).
      if (single) await deadLetterOne(single, whole.error, whole.attempts);
      else for (const s of live) await oneAlone(s);
    }
  }

  /** Applies `items()` (read again before each try, after `active()`) as one handler call, with retries. */
  function apply(items: () => D[], active: () => boolean): Promise<Attempted> {
    const started = clock.now();
    return attempt(async () => {
      const all = items();
      await opts.handle(all);
      opts.onApplied?.(all.length, clock.now() - started);
    }, active);
  }

  async function deadLetterOne(s: Slot<D>, error: ClassifiedError, attempts: number) {
    const active = () => s.entry.part.isActive();
    const sent = await attempt(() => opts.deadLetter(s.item, error, attempts), active, false);
    if (sent.ok) opts.onDeadLetter?.(s.item, error, attempts);
    settleItem(s.entry, !sent.ok);
  }

  async function oneAlone(s: Slot<D>) {
    const active = () => s.entry.part.isActive();
    const r = await apply(() => [s.item], active);
    if (r.ok) settleItem(s.entry, false);
    else if (r.aborted) settleItem(s.entry, true);
    else await deadLetterOne(s, r.error, r.attempts);
  }

  return {
    submit(part) {
      if (part.items.length === 0) return Promise.resolve('done');
      return new Promise<PartOutcome>((resolve) => {
        const entry: Entry<D> = { part, remaining: part.items.length, aborted: false, resolve };
        for (const item of part.items) queue.push({ item, key: opts.keyOf(item), entry });
        // Parts submitted in the same turn (one pacing pass) share handler calls.
        if (!dispatchQueued) {
          dispatchQueued = true;
          queueMicrotask(() => {
            dispatchQueued = false;
            dispatch();
          });
        }
      });
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
