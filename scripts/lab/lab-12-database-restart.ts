import { randomUUID } from 'node:crypto';
import { christmasStages, deadLetterCounts, deadLettersAdded, runRush } from '@akaso/load';
import { auditLabRun, type Lab, labStack, until } from './lab.ts';
import { restartPart, startPart } from './stack-control.ts';

/**
 * During a small rush, restart PostgreSQL the way an operator or a failover would (`pg_ctl
 * restart -m fast`: every connection dropped, open transactions rolled back, back in about a
 * second). Nobody touches the services. Then: every accepted order reaches its end state, is
 * charged once and mailed once (the audit), nothing went to a dead-letter topic (a database
 * that is away is transient, not poison), and the API never answered 500.
 */
export const lab: Lab = {
  id: 12,
  slug: 'database-restart',
  title: 'A database restart mid-rush',
  minutes: 15,
  async verify(report, log) {
    const dlqBefore = await deadLetterCounts(labStack.brokers);
    const runId = randomUUID().slice(0, 8);
    let sent = 0;
    const rush = runRush({
      baseUrl: labStack.api,
      mode: 'async',
      stages: christmasStages(8, 20, 2),
      users: 300,
      runId,
      timeoutMs: 30_000,
      onProgress: (p) => {
        sent = p.sent;
      },
    });
    rush.catch(() => undefined); // awaited below; handled now so a failure meanwhile is not unhandled
    try {
      await until('the rush to get going', async () => sent >= 20, 30_000, 200);
      log('restarting PostgreSQL (pg_ctl stop -m fast, then start) during the rush…');
      const started = Date.now();
      await restartPart('postgres');
      report.figure('PostgreSQL away for (s)', ((Date.now() - started) / 1000).toFixed(1));
    } finally {
      // Leave the stack as found, whatever happened above.
      await startPart('postgres');
    }
    const result = await rush;
    report.figure(
      'rush: sent / accepted / refused / failed',
      `${result.sent} / ${result.accepted} / ${result.refused} / ${result.failed}`,
    );
    const non503 = result.firstErrors.filter((e) => !e.startsWith('503 '));
    report.check(
      'the API never answered 500 (503 with Retry-After at worst)',
      non503.length === 0 && result.accepted > 0,
      non503[0]?.slice(0, 140) ?? `${result.failed} answered 503`,
    );
    log('auditing the run: waiting for the pipeline to drain by itself…');
    const audit = await auditLabRun(report, runId, 120_000);
    report.figure('drained after the rush within (s)', (audit.drainedInMs / 1000).toFixed(1));
    report.figure('end-to-end p99 / max (ms)', `${audit.endToEndMs.p99} / ${audit.endToEndMs.max}`);
    report.check(
      'the pipeline drained by itself: every accepted order confirmed or rejected',
      audit.orders.pending === 0,
      `${audit.orders.pending} still in flight`,
    );
    report.check(
      'nothing lost or doubled: one payment, one charge at the provider, one mail of each kind (the audit)',
      audit.ok,
      audit.violations.slice(0, 3).join('; ') || 'no violation',
    );
    const added = deadLettersAdded(dlqBefore, await deadLetterCounts(labStack.brokers));
    report.check(
      'nothing dead-lettered: a database away is transient, not poison',
      Object.keys(added).length === 0,
      Object.keys(added).length === 0 ? 'no dead-letter topic grew' : JSON.stringify(added),
    );
  },
};
