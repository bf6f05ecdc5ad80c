/**
 * Long simulation runs: `pnpm test:sim [--schedules N] [--seed S] [--trace]`.
 * --seed S with --schedules 1 replays exactly the schedule a failure printed; --case NAME runs one
 * of defect-cases.ts; --runner points at another consumer.ts (with --legacy-clock for a version
 * from before the Clock option) to see what an older version fails; --open-defects counts the
 * schedules that run into an OPEN_DEFECTS entry as failures.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type DefectCase, defectCases } from './defect-cases.ts';
import { openSummary, report, runSchedules, scheduleSeeds } from './run-schedules.ts';
import { generateScenario } from './scenario.ts';
import type { SimDeps } from './simulation.ts';
import { runSchedule } from './simulation.ts';

const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    failures: { type: 'string', default: '1' },
    runner: { type: 'string' },
    'legacy-clock': { type: 'boolean', default: false },
    'open-defects': { type: 'boolean', default: false },
    case: { type: 'string' },
    linger: { type: 'string', default: '150' },
  },
});

const runnerPath = values.runner
  ? pathToFileURL(resolve(values.runner)).href
  : new URL('../../src/consumer.ts', import.meta.url).href;
const runner = (await import(runnerPath)) as Pick<SimDeps, 'createConsumerRunner'>;
const deps: SimDeps = {
  createConsumerRunner: runner.createConsumerRunner,
  legacyClock: values['legacy-clock'],
};

if (values.case !== undefined) {
  const make = defectCases[values.case as DefectCase];
  if (!make) {
    console.error(`no case ${values.case}; cases: ${Object.keys(defectCases).join(', ')}`);
    process.exit(2);
  }
  const r = await runSchedule(make(Number(values.linger)), deps, { record: values.trace });
  if (values.trace) console.log((r.trace ?? []).join('\n'));
  console.log(
    `case ${values.case} (linger ${values.linger} ms): ${r.violation ?? 'ok'} (${r.steps} steps, ${r.virtualMs} ms simulated)`,
  );
  process.exit(r.violation ? 1 : 0);
}
const count = Number(values.schedules);
const explicit = values.seed !== undefined;
const seed = explicit ? Number(values.seed) : Math.floor(Math.random() * 4_294_967_296);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  console.error('usage: pnpm test:sim [--schedules N] [--seed S] [--trace] [--runner path/to/consumer.ts]');
  process.exit(2);
}

if (explicit && count === 1) {
  // Exactly the schedule of this seed (the one a failure names).
  const r = await runSchedule(generateScenario(seed), deps, { record: values.trace });
  if (values.trace) console.log((r.trace ?? []).join('\n'));
  console.log(`schedule ${seed}: ${r.violation ?? 'ok'} (${r.steps} steps, ${r.virtualMs} ms simulated)`);
  process.exit(r.violation ? 1 : 0);
}

console.log(
  `simulating ${count} schedules from seed ${seed} (replay: pnpm test:sim --seed ${seed} --schedules ${count})`,
);
const summary = await runSchedules(scheduleSeeds(seed, count), deps, {
  maxFailures: Number(values.failures),
  openAsFailures: values['open-defects'],
  onProgress: (done) => process.stdout.write(`  ${done} schedules\n`),
});
const perSecond = Math.round((summary.schedules / summary.ms) * 1000);
console.log(
  `${summary.schedules} schedules, ${summary.steps} steps in ${(summary.ms / 1000).toFixed(1)} s (${perSecond} schedules/s)`,
);
const open = openSummary(summary.open);
if (open) console.log(open);
for (const f of summary.failures) console.log(`\n${await report(f.seed, deps)}`);
process.exit(summary.failures.length > 0 ? 1 : 0);
