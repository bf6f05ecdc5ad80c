/**
 * pnpm bench [--rate 300] [--hold 20] [--users 5000] [--realistic] [--modes async,sync] [--linger 100]
 *            [--tracing on,off,all,0.1] [--warmup 10] [--api-rate 1500] [--lone-orders 12]
 *            [--kafka-props default,batched]
 *
 * Brings up the local stack, then runs the Christmas rush at the same offered load in each mode,
 * one after the other, and writes bench/results/<timestamp>.json with, per mode: offered and
 * accepted orders/s, time-to-accept p50/p95/p99, end-to-end latency (accepted → confirmation in
 * the SMTP sink) p50/p99, max consumer lag per group and the time to drain it after the peak,
 * CPU seconds of every process of the stack per order, the stack's memory (PSS per process,
 * idle before the rush and its peak during the rush and drain: memory.ts), the audit's verdict;
 * and the async/sync ratios. --realistic adds third-party latency: payment 300 ms, SMTP 100 ms. --linger runs the
 * async mode once per outbox-relay linger (OUTBOX_RELAY_LINGER_MS, the relay's linger.ms): the
 * first value is the baseline ("async"), each other one a case "async-linger<ms>". --tracing
 * does the same for tracing: `on` (the default sampling), `all` (every order traced), `off`
 * (OTEL_SDK_DISABLED: no SDK at all) or a sampling ratio; the first value is the baseline's,
 * each other one a case "async-tracing-<value>" (Jaeger's own CPU is in the figures: it is a
 * process of the stack).
 *
 * Before each case's measured run, a warm-up rush (--warmup seconds at the peak rate, 0 for none)
 * runs and drains unmeasured (runs.ts: warmUp). Then, on the quiet stack, --lone-orders orders
 * are placed one at a time (each once the previous one is confirmed) and their received →
 * confirmed times reported as `loneOrder` (p50/p99/max) in each async case (lone-order.ts).
 *
 * --kafka-props default,batched runs every case once per named broker-settings set (brokers.ts:
 * `default` the repository's, Kafka's replication defaults; `batched` followers every 100 ms), the brokers restarted one at
 * a time before each set and back to their usual settings at the end; the first set's cases keep
 * their names, the others' are <case>@<set>, and `kafkaVariants` sets their lone order, CPU per
 * order and end-to-end p99 side by side.
 *
 * The CPU per order is reported for every process, and split in two: the pipeline this project
 * runs (brokers, PostgreSQL, the services, Jaeger) and the local stand-ins for third parties
 * (Mailpit for the SMTP provider, stripe-mock and its charge counter for the card provider),
 * whose CPU is a provider's in production. Each run's mails are deleted from Mailpit once it is
 * measured and audited. The issue's targets are checked against the run and listed with their
 * verdicts (`targets`); the exit code is the audit's (nothing lost or doubled).
 *
 * `--modes …,api` adds, last, the API alone: inventory, payment and email stopped, the rush flat
 * at --api-rate for --hold seconds (nearly every order from a new user, so the rule refuses next
 * to none) against order-api, which still records each order with its outbox row and publishes
 * it. Then the bench restarts the consumers, waits until they have worked that backlog off
 * (unmeasured; minutes) and audits it like every case.
 *
 * The parts: options.ts (flags and cases), rig.ts (the services as a case needs them), runs.ts
 * (a measured rush, the warm-up, the API alone), cpu.ts and measure.ts (what is measured),
 * targets.ts (the targets and the verdict), report.ts (the JSON and the table).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../stack/paths.ts';
import { consoleReporter } from '../stack/proc.ts';
import { startStack } from '../stack/stack.ts';
import { parseKafkaVariants, restartBrokersWith, usualSettings } from './brokers.ts';
import { clockTicksPerSecond } from './cpu.ts';
import { benchCases, parseBenchArgs, thirdPartyLatency } from './options.ts';
import {
  type BenchReport,
  type CaseResult,
  memoryOf,
  printReport,
  ratiosOf,
  variantSummary,
} from './report.ts';
import { createRig, describeServices, type ServiceSettings } from './rig.ts';
import { type RunSettings, runApiOnly, runCase, warmUp } from './runs.ts';
import { apiTargets, memoryTargets, rushTargets, verdict } from './targets.ts';

const opts = parseBenchArgs(process.argv.slice(2));
const cases = benchCases(opts);
const variants = parseKafkaVariants(opts.kafkaProps);
const baseTracing = opts.tracings[0] ?? 'on';
const thirdParty = thirdPartyLatency(opts.realistic);
const settings: RunSettings = {
  rate: opts.rate,
  hold: opts.hold,
  users: opts.users,
  ticksPerSecond: clockTicksPerSecond(),
  loneOrders: opts.loneOrders,
};

await startStack(consoleReporter, { services: false });
const rig = createRig(thirdParty);

/** The services with a case's settings; freshly (re)started ones warm up first. */
async function prepare(s: ServiceSettings): Promise<void> {
  const { fresh } = await rig.servicesWith(s);
  if (!fresh) return;
  if (opts.warmupS > 0) await warmUp(settings, opts.warmupS);
  console.error(await describeServices(s));
}

const results: Record<string, CaseResult> = {};
// Without --kafka-props the brokers run as they are; with it, every case runs under each set in
// turn, the first set's under the usual names, the others' as <case>@<set>.
for (const [i, variant] of (variants.length > 0 ? variants : [null]).entries()) {
  // The first set needs no restart when it is what the brokers run already.
  if (variant && !(i === 0 && usualSettings(variant.props))) {
    console.error(`\n== brokers restarted one at a time with the "${variant.name}" settings`);
    await restartBrokersWith(variant.props, consoleReporter);
    rig.forget(); // services warm up again against the restarted brokers
  }
  for (const c of cases) {
    const name = i === 0 ? c.name : `${c.name}@${variant?.name}`;
    await prepare(c);
    results[name] = {
      lingerMs: c.lingerMs,
      tracing: c.tracing,
      ...(variant ? { kafkaProps: variant.name } : {}),
      ...(await runCase(c.mode, name, settings)),
    };
  }
}
const lastVariant = variants.at(-1);
if (lastVariant && !usualSettings(lastVariant.props)) {
  // The shared stack's brokers back as `pnpm start` runs them.
  console.error('\n== brokers restarted one at a time with their usual settings');
  await restartBrokersWith(undefined, consoleReporter);
  rig.forget();
}
const printedCases = variants.flatMap((v, i) =>
  cases.map((c) => ({ ...c, name: i === 0 ? c.name : `${c.name}@${v.name}` })),
);

let api = null;
if (opts.apiOnly) {
  await prepare({ lingerMs: opts.lingers[0] ?? 0, tracing: baseTracing });
  api = await runApiOnly(rig, settings, opts.apiRate);
}

const report: BenchReport = {
  at: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model },
  load: { peakRps: opts.rate, holdS: opts.hold, users: opts.users, thirdParty },
  results,
  memory: memoryOf(results),
  ratios: ratiosOf(results, cases, baseTracing),
  api,
  ...(variants.length > 0
    ? {
        kafkaVariants: variants.map((v, i) =>
          variantSummary(v.name, v.props, results[i === 0 ? 'async' : `async@${v.name}`]),
        ),
      }
    : {}),
  targets: [
    ...(results.async ? rushTargets(results.async) : []),
    ...(Object.keys(results).length > 0 ? memoryTargets(memoryOf(results)) : []),
    ...(api ? apiTargets(api, opts.apiRate) : []),
  ],
  verdict: verdict(Object.values(results), api),
};
const file = join(repoRoot, 'bench', 'results', `${report.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
printReport(report, variants.length > 0 ? printedCases : cases, file);
process.exit(report.verdict === 'pass' ? 0 : 1);
