/**
 * Time as a dependency. Everything in the delivery core that waits, lingers or ticks takes a
 * Clock, so a unit test or the simulation drives time itself and never sleeps for real.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque to the core: whatever the clock's setTimeout returns. */
export type TimerHandle = unknown;

/** The process clock. `now()` is wall time (Date.now), so ticks line up across processes. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}
