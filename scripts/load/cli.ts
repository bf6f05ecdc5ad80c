/**
 * pnpm rush [--rate 200] [--hold 30] [--ramp 10] [--users 2000] [--mode async|sync]
 *           [--url http://127.0.0.1:3000] [--seed 1] [--no-audit] [--json FILE]
 *   an open-model Christmas rush against the order API, then the audit of the run.
 * pnpm rush-audit <runId> [--json FILE]
 *   the audit alone (a run's users are rush-<runId>-<n>).
 *
 * Machine-readable: the result is ONE JSON document, { rush, audit }, written to FILE with
 * --json, else to stdout; progress and verdicts go to stderr. (`pnpm rush > run.json` would also
 * catch pnpm's own banner: use --json, or `pnpm -s rush`.)
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auditHeadline, auditRun, christmasStages, runRush } from '@akaso/load';
import { chargeCounterUrl, stackAddresses } from '@akaso/stack-client';
import { runningPid } from '../stack/proc.ts';

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

const [command, ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '200' },
    hold: { type: 'string', default: '30' },
    ramp: { type: 'string' },
    users: { type: 'string', default: '2000' },
    mode: { type: 'string', default: 'async' },
    url: { type: 'string', default: stackAddresses.api },
    seed: { type: 'string', default: '1' },
    'no-audit': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

/** The run's one JSON document: to --json FILE, or stdout (nothing else is written there). */
function emit(document: Record<string, unknown>): void {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (values.json) {
    writeFileSync(values.json, text);
    console.error(`result written to ${values.json}`);
  } else process.stdout.write(text);
}

async function audit(runId: string) {
  const report = await auditRun({ runId, ...stackDefaults, log: (l) => console.error(l) });
  console.error(auditHeadline(report));
  return { ...report, violations: report.violations.slice(0, 50), violationCount: report.violations.length };
}

if (command === 'audit') {
  const runId = positionals[0];
  if (!runId) {
    console.error('usage: pnpm rush-audit <runId>');
    process.exit(2);
  }
  const report = await audit(runId);
  emit({ audit: report });
  process.exit(report.ok ? 0 : 1);
} else if (command === 'rush') {
  const mode = values.mode === 'sync' ? 'sync' : 'async';
  const runId = randomUUID().slice(0, 8);
  const stages = christmasStages(
    Number(values.rate),
    Number(values.hold),
    values.ramp ? Number(values.ramp) : undefined,
  );
  console.error(
    `rush ${runId}: ${mode}, peak ${values.rate} orders/s for ${values.hold}s, ${values.users} users → ${values.url}`,
  );
  const result = await runRush({
    baseUrl: values.url,
    mode,
    stages,
    users: Number(values.users),
    runId,
    seed: Number(values.seed),
    onProgress: (p) =>
      console.error(
        `  ${p.elapsedS.toFixed(0).padStart(4)}s  offered ${String(p.offeredRps).padStart(5)}/s  sent ${p.sent}  accepted ${p.accepted}  refused ${p.refused}  failed ${p.failed}  in flight ${p.inFlight}  p99 ${p.p99Ms} ms`,
      ),
  });
  const { acceptedOrders, ...printable } = result;
  const rush = { ...printable, acceptedOrders: acceptedOrders.length };
  const report = values['no-audit'] ? null : await audit(runId);
  emit({ rush, audit: report });
  process.exit(result.failed === 0 && (report?.ok ?? true) ? 0 : 1);
} else {
  console.error('usage: pnpm rush [options] | pnpm rush-audit <runId>');
  process.exit(2);
}
