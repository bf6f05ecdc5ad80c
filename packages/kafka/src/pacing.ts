import type { Clock, TimerHandle } from './clock.ts';

/**
 * The pipeline's one timing rule: when work that arrived is handed on, and (for a consumer) how
 * long the next fetch may wait at the broker. Adaptive, from one piece of state, the last two
 * arrivals:
 *
 * - quiet (fewer than two arrivals in the last two lingers): a consumer's fetch long-polls with
 *   the configured wait and answers with the first message, and what arrives is handed on at
 *   once. A lone order, whose hops each bring a consumer one or two messages, pays no linger.
 * - busy (a stream: a third arrival within two lingers): time is cut into ticks, the multiples
 *   of `lingerMs` on the clock. A fetch is held at the broker until a margin before the next
 *   tick (with a minBytes no tick's traffic fills), and everything that arrived for a tick, from
 *   every broker, is handed on in one pass at the tick: one fetch per broker and one handler
 *   call per tick instead of one per arrival. A backlog fills minBytes and is fetched at once.
 *
 * Ticks are wall-clock multiples so that the fetches to the three brokers, sent at different
 * moments, answer for the same tick and meet in one pass. The outbox relay paces its publishes
 * by the same rule (arrivals are writes; no fetch to hold).
 */
export interface PacingOptions {
  /** The tick while busy. */
  lingerMs: number;
  clock: Clock;
  /** Called at each pass: hand over what arrived. */
  onPass(): void;
}

export interface FetchWait {
  maxWaitTime: number;
  minBytes: number;
}

export interface Pacing {
  /** Work arrived now: schedules the pass that hands it on. */
  arrived(): void;
  /** The wait of the next fetch, asked by kafkajs before each fetch; null = the configured long poll. */
  fetchWait(): FetchWait | null;
  /** Cancels a pending pass (shutdown). */
  close(): void;
}

/**
 * A held fetch answers this long before its tick (at most a quarter of the linger), so its
 * messages reach the tick's pass; an answer a little late on a busy machine still counts for it.
 */
export const FETCH_MARGIN_MS = 15;
/** A held fetch's minBytes: more than a tick's traffic, so the broker answers at the tick. */
export const HELD_FETCH_MIN_BYTES = 1_048_576;

export const marginFor = (lingerMs: number) => Math.min(FETCH_MARGIN_MS, Math.floor(lingerMs / 4));

/** The first tick (a multiple of lingerMs) at or after t. */
export const tickAfter = (t: number, lingerMs: number) => Math.ceil(t / lingerMs) * lingerMs;

/**
 * The last two arrivals. Arrivals less than a millisecond apart are one (the batches of one fetch
 * response, one eachBatch call per partition).
 */
export interface Arrivals {
  /** Records an arrival; returns when it passes: at once when quiet, else at the next tick. */
  arrive(now: number): number;
  /** Whether two arrivals fell within the last two lingers (the stream is likely to go on). */
  streaming(now: number): boolean;
}

export function createArrivals(lingerMs: number, margin = 0): Arrivals {
  let older = Number.NEGATIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  const streaming = (now: number) => lingerMs > 0 && now - older <= 2 * lingerMs;
  return {
    arrive(now) {
      // A third arrival within two lingers: a stream. An arrival up to `margin` after a tick
      // still counts for it.
      const at = streaming(now) ? Math.max(now, tickAfter(now - margin, lingerMs)) : now;
      if (now - latest >= 1) {
        older = latest;
        latest = now;
      }
      return at;
    },
    streaming,
  };
}

export function createPacing(opts: PacingOptions): Pacing {
  const { lingerMs, clock } = opts;
  const margin = marginFor(lingerMs);
  const arrivals = createArrivals(lingerMs, margin);
  let timer: TimerHandle | null = null;
  let passAt = Number.POSITIVE_INFINITY;

  function pass() {
    timer = null;
    passAt = Number.POSITIVE_INFINITY;
    opts.onPass();
  }

  return {
    arrived() {
      const now = clock.now();
      // At once is still after the current turn, so the batches of one fetch response go together.
      const at = arrivals.arrive(now);
      if (at >= passAt) return;
      if (timer !== null) clock.clearTimeout(timer);
      passAt = at;
      timer = clock.setTimeout(pass, at - now);
    },
    fetchWait() {
      const now = clock.now();
      if (!arrivals.streaming(now)) return null;
      let tick = tickAfter(now, lingerMs);
      // Too close to be worth a request: hold it for the tick after.
      if (tick - now < 2 * margin || tick - margin <= now) tick += lingerMs;
      return { maxWaitTime: tick - margin - now, minBytes: HELD_FETCH_MIN_BYTES };
    },
    close() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      passAt = Number.POSITIVE_INFINITY;
    },
  };
}
