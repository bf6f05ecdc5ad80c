import type { Clock, TimerHandle } from './clock.ts';

/**
 * The consumer's one timing rule: when fetched messages are handed to the handler, and how long
 * the next fetch may wait at the broker. It is adaptive, with a single piece of state (when
 * messages last arrived):
 *
 * - quiet (nothing arrived for two lingers): a fetch long-polls with the configured wait and
 *   answers with the first message; what it brings is handed over at once. A lone order pays
 *   no linger.
 * - busy: time is cut into ticks, the multiples of `lingerMs` on the clock. A fetch is held at
 *   the broker until a margin before the next tick (with a minBytes no tick's traffic fills), and
 *   everything that arrived for a tick, from every broker, is handed over in one pass at the
 *   tick: one fetch per broker and one handler call per tick instead of one per arrival. A
 *   backlog (a consumer catching up) fills minBytes and is fetched at once.
 *
 * Ticks are wall-clock multiples so that the fetches to the three brokers, sent at different
 * moments, answer for the same tick and meet in one pass.
 */
export interface PacingOptions {
  /** The tick while busy; also "quiet" is two of them without arrivals. */
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
  /** Messages arrived now: schedules the pass that hands them over. */
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
 * The rule itself, for work that arrives at `now` when the previous arrival was at `last`: at
 * once after a quiet spell (nothing for two lingers), else at the next tick. An arrival up to
 * `margin` after a tick still counts for it. Also the outbox relay's rule for its publishes.
 */
export function passTime(now: number, last: number, lingerMs: number, margin = 0): number {
  if (lingerMs <= 0 || now - last > 2 * lingerMs) return now;
  return Math.max(now, tickAfter(now - margin, lingerMs));
}

export function createPacing(opts: PacingOptions): Pacing {
  const { lingerMs, clock } = opts;
  const margin = marginFor(lingerMs);
  let lastArrival = Number.NEGATIVE_INFINITY;
  let timer: TimerHandle | null = null;
  let passAt = Number.POSITIVE_INFINITY;

  const busy = (now: number) => now - lastArrival <= 2 * lingerMs;

  function pass() {
    timer = null;
    passAt = Number.POSITIVE_INFINITY;
    opts.onPass();
  }

  return {
    arrived() {
      const now = clock.now();
      // Quiet: at once, though after the current turn, so the batches of one fetch response
      // (one eachBatch call per partition) go together.
      const at = passTime(now, lastArrival, lingerMs, margin);
      lastArrival = now;
      if (at >= passAt) return;
      if (timer !== null) clock.clearTimeout(timer);
      passAt = at;
      timer = clock.setTimeout(pass, at - now);
    },
    fetchWait() {
      const now = clock.now();
      if (!busy(now)) return null;
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
