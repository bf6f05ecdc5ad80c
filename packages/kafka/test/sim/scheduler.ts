import type { Clock } from '../../src/clock.ts';

/**
 * A process of the simulation (one consumer instance). A crashed process runs nothing more: its
 * timers never fire and its requests are never answered.
 */
export interface Owner {
  readonly name: string;
  dead: boolean;
}

interface Event {
  at: number;
  seq: number;
  fn: () => void;
  label: string | (() => string);
  owner: Owner | null;
  cancelled: boolean;
}

/** Captured before any fake is installed: the one real macrotask the scheduler waits for. */
const realSetImmediate = globalThis.setImmediate;
const drain = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/**
 * Virtual time and one queue for everything that happens later: the runner's timers (its
 * Clock) and every answer of the fake broker. A step takes the earliest event (ties in the
 * order they were scheduled), moves the clock to it, runs it and lets every promise it settled
 * run to completion before the next one; nothing else ever advances time, so a schedule is a
 * function of its seed.
 */
export class Scheduler {
  now: number;
  steps = 0;
  /** The step list of a replay (null when not recording). */
  readonly trace: string[] | null;
  private readonly start: number;
  private heap: Event[] = [];
  private seq = 0;

  constructor(startAt: number, record: boolean) {
    this.now = startAt;
    this.start = startAt;
    this.trace = record ? [] : null;
  }

  /** Runs `fn` after `ms` of virtual time, unless its owner has crashed by then. */
  at(ms: number, label: string | (() => string), fn: () => void, owner: Owner | null = null): Event {
    // Whole milliseconds, as Node's timers: a fraction waits for the next one.
    const e: Event = {
      at: this.now + Math.max(0, Math.ceil(ms)),
      seq: this.seq++,
      fn,
      label,
      owner,
      cancelled: false,
    };
    this.push(e);
    return e;
  }

  cancel(e: unknown): void {
    if (e && typeof e === 'object' && 'cancelled' in e) (e as Event).cancelled = true;
  }

  /** A Clock for the runner, its timers belonging to `owner`. */
  clock(owner: Owner | null): Clock {
    return {
      now: () => this.now,
      setTimeout: (fn, ms) => this.at(ms, () => `${owner?.name ?? ''} timer ${ms}ms`, fn, owner),
      clearTimeout: (h) => this.cancel(h),
    };
  }

  /** Resolves after `ms` of virtual time (never, when its owner crashed meanwhile). */
  sleep(ms: number, owner: Owner | null, label: string | (() => string) = 'sleep'): Promise<void> {
    return new Promise((resolve) => {
      this.at(ms, label, resolve, owner);
    });
  }

  note(line: string | (() => string)): void {
    if (this.trace)
      this.trace.push(
        `${String(this.now - this.start).padStart(7)} ms  ${typeof line === 'string' ? line : line()}`,
      );
  }

  /** Lets pending promise callbacks run (no virtual time passes). */
  settle(): Promise<void> {
    return drain();
  }

  /** Runs the next event; false when nothing is left to happen. */
  async step(): Promise<boolean> {
    for (;;) {
      const e = this.pop();
      if (!e) return false;
      if (e.cancelled || e.owner?.dead) continue;
      this.now = e.at;
      this.steps++;
      if (this.trace) this.note(e.label);
      e.fn();
      await drain();
      return true;
    }
  }

  elapsed(): number {
    return this.now - this.start;
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Event, h[p] as Event)) break;
      [h[i], h[p]] = [h[p] as Event, h[i] as Event];
      i = p;
    }
  }

  private pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Event, h[m] as Event)) m = l;
        if (r < h.length && this.less(h[r] as Event, h[m] as Event)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Event, h[i] as Event];
        i = m;
      }
    }
    return top;
  }
}
