/**
 * pnpm rush [options] | pnpm rush-audit <runId>: the usage is in args.ts (`pnpm rush --help`).
 *
 * Machine-readable: the result is ONE JSON document, { rush, audit }, written to FILE with
 * --json, else to stdout; progress and verdicts go to stderr. (`pnpm rush > run.json` would also
 * catch pnpm's own banner: use --json, or `pnpm -s rush`.)
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { auditHeadline, auditRun, christmasStages, runRush } from '@akaso/load';
import { chargeCounterUrl, stackAddresses } from '@akaso/stack-client';
import { runningPid } from '../stack/proc.ts';
import { parseRushArgs, type RushArgs, UsageError, usage } from './args.ts';

const stackDefaults = {
  postgresUrl: stackAddresses.postgres,
  mailpitUrl: stackAddresses.mailpit,
  brokers: stackAddresses.brokers,
  // The local stack counts the charges reaching the card provider (when its counter runs); compose
  // has no counter. Another address given (AKASO_CHARGES_URL) is taken as it is, empty for none.
  chargesUrl:
    stackAddresses.charges !== chargeCounterUrl || runningPid('charge-counter') !== null
      ? stackAddresses.charges || undefined
      : undefined,
};

let args: RushArgs;
try {
  args = parseRushArgs(process.argv.slice(2), stackAddresses.api);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}

/** The run's one JSON document: to --json FILE, or stdout (nothing else is written there). */
function emit(json: string | undefined, document: Record<string, unknown>): void {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (json) {
    writeFileSync(json, text);
    console.error(`result written to ${json}`);
  } else process.stdout.write(text);
}

async function audit(runId: string) {
  const report = await auditRun({ runId, ...stackDefaults, log: (l) => console.error(l) });
  console.error(auditHeadline(report));
  return { ...report, violations: report.violations.slice(0, 50), violationCount: report.violations.length };
}

if (args.command === 'help') {
  console.log(usage);
} else if (args.command === 'audit') {
  const report = await audit(args.runId);
  emit(args.json, { audit: report });
  process.exit(report.ok ? 0 : 1);
} else {
  const runId = randomUUID().slice(0, 8);
  const stages = christmasStages(args.rate, args.holdS, args.rampS);
  console.error(
    `rush ${runId}: ${args.mode}, peak ${args.rate} orders/s for ${args.holdS}s, ${args.users} users → ${args.url}`,
  );
  const result = await runRush({
    baseUrl: args.url,
    mode: args.mode,
    stages,
    users: args.users,
    runId,
    seed: args.seed,
    onProgress: (p) =>
      console.error(
        `  ${p.elapsedS.toFixed(0).padStart(4)}s  offered ${String(p.offeredRps).padStart(5)}/s  sent ${p.sent}  accepted ${p.accepted}  refused ${p.refused}  failed ${p.failed}  in flight ${p.inFlight}  p99 ${p.p99Ms} ms`,
      ),
  });
  const { acceptedOrders, ...printable } = result;
  const rush = { ...printable, acceptedOrders: acceptedOrders.length };
  const report = args.audit ? await audit(runId) : null;
  emit(args.json, { rush, audit: report });
  process.exit(result.failed === 0 && (report?.ok ?? true) ? 0 : 1);
}
