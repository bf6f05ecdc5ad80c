import { AppError } from '@akaso/service';
import {
  durationBoundsS,
  type Fault,
  type FaultStep,
  type FaultVariant,
  faultCatalogue,
  isOneShot,
  localCommand,
} from './fault-catalogue.ts';

/**
 * Switches faults on for a set time and back by itself, so a presenter cannot forget one: each
 * fault at most once at a time, a planned end the page counts down to, an early stop, and every
 * active fault switched back when the dashboard stops. Time and the steps' effects are injected.
 */

export type FaultState = 'starting' | 'on' | 'stopping' | 'ended' | 'failed';
export type FaultOutcome = 'ended' | 'stopped early' | 'done' | 'switched back at shutdown' | 'failed';

export interface FaultRun {
  faultId: string;
  variantId: string;
  label: string;
  state: FaultState;
  outcome: FaultOutcome | null;
  startedAt: number;
  /** When the switch-back is due; null for a one-shot fault. */
  plannedEndAt: number | null;
  endedAt: number | null;
  log: string[];
}

export interface SchedulerDeps {
  /** Carries out one step (a part command, a flag, a poison message); `log` collects its output. */
  runStep: (step: FaultStep, log: (line: string) => void) => Promise<void>;
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** Why a variant cannot run here (compose, no flags file), or null. */
  unavailable?: (variant: FaultVariant) => string | null;
  catalogue?: readonly Fault[];
  historyLimit?: number;
}

export interface FaultScheduler {
  /** Throws an AppError at once on bad input; the switch-on runs in the background. */
  start(faultId: string, variantId: string, durationS?: number): FaultRun;
  /** Throws an AppError at once when the fault is unknown or not on; resolves once it is switched back. */
  stop(faultId: string): Promise<FaultRun>;
  /** Switches back every active fault and refuses new ones (SIGTERM). */
  stopAll(): Promise<void>;
  /** Resolves once every switch on or back in progress has finished. */
  idle(): Promise<void>;
  active(): FaultRun[];
  history(): FaultRun[];
}

interface Entry {
  run: FaultRun;
  variant: FaultVariant;
  timer: unknown;
  switching: Promise<void>;
  stopping: Promise<FaultRun> | null;
}

const maxLogLines = 200;

export function createFaultScheduler(deps: SchedulerDeps): FaultScheduler {
  const catalogue = deps.catalogue ?? faultCatalogue;
  const historyLimit = deps.historyLimit ?? 20;
  const active = new Map<string, Entry>();
  const history: FaultRun[] = [];
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  const logTo = (run: FaultRun) => (line: string) => {
    const at = ((deps.now() - run.startedAt) / 1000).toFixed(1);
    run.log.push(`[+${at}s] ${line}`);
    if (run.log.length > maxLogLines) run.log.splice(0, run.log.length - maxLogLines);
  };

  /** Runs the steps in order; a failed step is logged and ends the sequence (returns false). */
  async function runSteps(steps: FaultStep[], log: (line: string) => void): Promise<boolean> {
    for (const step of steps) {
      log(localCommand(step));
      try {
        await deps.runStep(step, log);
      } catch (err) {
        log(`failed: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    }
    return true;
  }

  function finish(entry: Entry, outcome: FaultOutcome): FaultRun {
    deps.clearTimer(entry.timer);
    const { run } = entry;
    run.state = outcome === 'failed' ? 'failed' : 'ended';
    run.outcome = outcome;
    run.endedAt = deps.now();
    active.delete(run.faultId);
    history.unshift(run);
    history.splice(historyLimit);
    return run;
  }

  function stopEntry(entry: Entry, outcome: FaultOutcome): Promise<FaultRun> {
    if (entry.stopping) return entry.stopping;
    deps.clearTimer(entry.timer);
    entry.stopping = track(
      (async () => {
        // A switch-back waits for the switch-on to finish: killing a broker that is still being
        // killed, or starting it while the kill is in flight, would leave it in either state.
        await entry.switching;
        if (entry.run.state === 'failed' || entry.run.state === 'ended') return entry.run;
        entry.run.state = 'stopping';
        const log = logTo(entry.run);
        log(outcome === 'ended' ? 'time is up: switching back' : `switching back (${outcome})`);
        const ok = await runSteps(entry.variant.off, log);
        return finish(entry, ok ? outcome : 'failed');
      })(),
    );
    return entry.stopping;
  }

  return {
    start(faultId, variantId, durationS) {
      const fault = catalogue.find((f) => f.id === faultId);
      if (!fault) throw new AppError('NOT_FOUND', `no fault "${faultId}"`);
      const variant = fault.variants.find((v) => v.id === variantId);
      if (!variant) {
        throw new AppError(
          'VALIDATION_ERROR',
          `fault ${faultId} has no variant "${variantId}" (variants: ${fault.variants.map((v) => v.id).join(', ')})`,
        );
      }
      const oneShot = isOneShot(variant);
      const seconds = durationS ?? fault.defaultDurationS;
      if (
        !oneShot &&
        (!Number.isInteger(seconds) || seconds < durationBoundsS.min || seconds > durationBoundsS.max)
      ) {
        throw new AppError(
          'VALIDATION_ERROR',
          `durationS must be a whole number of seconds from ${durationBoundsS.min} to ${durationBoundsS.max}`,
        );
      }
      if (closed) throw new AppError('CONFLICT', 'the dashboard is stopping: no new faults');
      const reason = deps.unavailable?.(variant) ?? null;
      if (reason) throw new AppError('CONFLICT', `${fault.label}: ${reason}`);
      if (active.has(faultId)) {
        throw new AppError('CONFLICT', `${fault.label} is already on; stop it first`);
      }
      const startedAt = deps.now();
      const run: FaultRun = {
        faultId,
        variantId,
        label: `${fault.label}: ${variant.label}`,
        state: 'starting',
        outcome: null,
        startedAt,
        plannedEndAt: oneShot ? null : startedAt + seconds * 1000,
        endedAt: null,
        log: [],
      };
      const entry: Entry = { run, variant, timer: undefined, switching: Promise.resolve(), stopping: null };
      active.set(faultId, entry);
      if (!oneShot) entry.timer = deps.setTimer(() => void stopEntry(entry, 'ended'), seconds * 1000);
      const log = logTo(run);
      entry.switching = track(
        (async () => {
          const ok = await runSteps(variant.on, log);
          if (!ok) {
            // Half on is the worst state to leave behind: undo whatever the failed start did.
            if (!oneShot) {
              log('switching back what was started');
              await runSteps(variant.off, log);
            }
            finish(entry, 'failed');
            return;
          }
          if (oneShot) finish(entry, 'done');
          else if (run.state === 'starting') run.state = 'on';
        })(),
      );
      return run;
    },

    stop(faultId) {
      const fault = catalogue.find((f) => f.id === faultId);
      if (!fault) throw new AppError('NOT_FOUND', `no fault "${faultId}"`);
      const entry = active.get(faultId);
      if (!entry) throw new AppError('CONFLICT', `${fault.label} is not on`);
      return stopEntry(entry, 'stopped early');
    },

    async stopAll() {
      closed = true;
      await Promise.all([...active.values()].map((e) => stopEntry(e, 'switched back at shutdown')));
      await this.idle();
    },

    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    active: () => [...active.values()].map((e) => e.run),
    history: () => [...history],
  };
}
