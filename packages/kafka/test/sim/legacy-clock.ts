import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Clock } from '../../src/clock.ts';

const require = createRequire(import.meta.url);
const timersPromises = require('node:timers/promises') as {
  setTimeout: (ms?: number, value?: unknown) => Promise<unknown>;
};

/**
 * For a runner from before the Clock option (one that reads Date.now, setTimeout and
 * node:timers/promises): points those at the simulation's clock for the duration of one
 * schedule, so `pnpm test:sim --runner <old consumer.ts> --legacy-clock` shows which schedules
 * an older version fails. Returns the undo.
 */
export function installLegacyClock(clock: Clock): () => void {
  const saved = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    now: Date.now,
    delay: timersPromises.setTimeout,
  };
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    clock.setTimeout(() => fn(...args), ms ?? 0)) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((h: unknown) => clock.clearTimeout(h)) as typeof clearTimeout;
  Date.now = () => clock.now();
  timersPromises.setTimeout = (ms?: number, value?: unknown) =>
    new Promise((resolve) => {
      clock.setTimeout(() => resolve(value), ms ?? 0);
    });
  syncBuiltinESMExports();
  return () => {
    globalThis.setTimeout = saved.setTimeout;
    globalThis.clearTimeout = saved.clearTimeout;
    Date.now = saved.now;
    timersPromises.setTimeout = saved.delay;
    syncBuiltinESMExports();
  };
}
