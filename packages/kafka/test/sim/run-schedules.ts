import { openDefectOf } from './open-defects.ts';
import { createRng } from './prng.ts';
import { generateScenario } from './scenario.ts';
import type { ScheduleResult, SimDeps } from './simulation.ts';
import { runSchedule } from './simulation.ts';

export interface RunSummary {
  schedules: number;
  steps: number;
  ms: number;
  failures: ScheduleResult[];
  /** Schedules that ran into a defect of OPEN_DEFECTS, by defect. */
  open: Record<string, number>;
}

/** The seed of the i-th schedule of a run started from `seed`. */
export function scheduleSeeds(seed: number, count: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Math.floor(rng.next() * 4_294_967_296));
}

/** Runs schedules one after another; stops at the first `maxFailures` violations. */
export async function runSchedules(
  seeds: number[],
  deps: SimDeps,
  opts: { maxFailures?: number; openAsFailures?: boolean; onProgress?(done: number): void } = {},
): Promise<RunSummary> {
  const started = performance.now();
  const failures: ScheduleResult[] = [];
  let steps = 0;
  let done = 0;
  const counts: Record<string, number> = {};
  for (const seed of seeds) {
    const r = await runSchedule(generateScenario(seed), deps);
    steps += r.steps;
    done++;
    const open = r.violation && !opts.openAsFailures ? openDefectOf(r.violation) : null;
    if (open) counts[open] = (counts[open] ?? 0) + 1;
    else if (r.violation) {
      failures.push(r);
      if (failures.length >= (opts.maxFailures ?? 1)) break;
    }
    if (done % 1_000 === 0) opts.onProgress?.(done);
  }
  return { schedules: done, steps, ms: performance.now() - started, failures, open: counts };
}

/** A failure as a bug report: the violation, how to replay it, and its step list. */
/** "staleCommit: 12 schedules" for each open defect met. */
export function openSummary(open: Record<string, number>): string {
  const met = Object.entries(open).map(([k, n]) => `${k} in ${n}`);
  return met.length === 0 ? '' : `open defects (OPEN_DEFECTS, not failed): ${met.join(', ')}`;
}

export async function report(seed: number, deps: SimDeps, lastSteps = 120): Promise<string> {
  const scenario = generateScenario(seed);
  const r = await runSchedule(scenario, deps, { record: true });
  const trace = r.trace ?? [];
  const shown = trace.slice(-lastSteps);
  return [
    `schedule ${seed}: ${r.violation ?? 'no violation on replay'}`,
    `replay: pnpm test:sim --seed ${seed} --schedules 1 --trace`,
    `scenario: ${JSON.stringify({ ...scenario, messages: scenario.messages.length })}`,
    `steps ${trace.length > shown.length ? `(last ${shown.length} of ${trace.length})` : `(${trace.length})`}:`,
    ...shown,
  ].join('\n');
}
