import { randomUUID } from 'node:crypto';
import { christmasStages, runRush } from '@akaso/load';
import { type Lab, labStack } from './lab.ts';
import { restartService } from './stack-control.ts';

/** The lab's third-party latency: a card charge and each email, as in `pnpm bench --realistic`. */
export const labLatency = { PAYMENT_LATENCY_MS: '300', SMTP_LATENCY_MS: '100' } as const;

/**
 * The same small rush (5 orders/s) in both modes, with a slow payment provider and SMTP server.
 * Async answers 202 once the order is recorded; sync answers after reserve → charge → confirm →
 * email, so every customer waits for the slowest third party.
 */
export const lab: Lab = {
  id: 1,
  slug: 'sync-vs-async',
  title: 'Sync vs async under a rush',
  minutes: 25,
  async verify(report, log) {
    log(
      `restarting payment-1 and email-1 with PAYMENT_LATENCY_MS=${labLatency.PAYMENT_LATENCY_MS}, SMTP_LATENCY_MS=${labLatency.SMTP_LATENCY_MS}…`,
    );
    await restartService('payment', 1, { PAYMENT_LATENCY_MS: labLatency.PAYMENT_LATENCY_MS });
    try {
      await restartService('email', 1, { SMTP_LATENCY_MS: labLatency.SMTP_LATENCY_MS });
      const results = [];
      for (const mode of ['async', 'sync'] as const) {
        log(`rush in ${mode} mode: 5 orders/s for 8 s…`);
        results.push(
          await runRush({
            baseUrl: labStack.api,
            mode,
            stages: christmasStages(5, 8, 1),
            users: 1_000,
            runId: randomUUID().slice(0, 8),
          }),
        );
      }
      const [asyncRun, syncRun] = results as [(typeof results)[0], (typeof results)[0]];
      for (const r of results) {
        report.figure(
          `${r.mode}: accepted, time to answer p50 / p95 / p99 (ms)`,
          `${r.accepted}, ${r.timeToAccept.p50Ms} / ${r.timeToAccept.p95Ms} / ${r.timeToAccept.p99Ms}`,
        );
      }
      report.check(
        'no request failed in either mode',
        asyncRun.failed === 0 && syncRun.failed === 0,
        `${asyncRun.failed} + ${syncRun.failed} failed`,
      );
      report.check(
        'sync answers only after the slow charge',
        syncRun.timeToAccept.p50Ms >= Number(labLatency.PAYMENT_LATENCY_MS),
        `sync p50 ${syncRun.timeToAccept.p50Ms} ms ≥ ${labLatency.PAYMENT_LATENCY_MS} ms`,
      );
      // Relative, with a wide margin: async answers many times sooner, so 2x holds on a busy machine.
      report.check(
        'async answers well before sync',
        asyncRun.timeToAccept.p50Ms * 2 <= syncRun.timeToAccept.p50Ms,
        `p50 ${asyncRun.timeToAccept.p50Ms} ms vs ${syncRun.timeToAccept.p50Ms} ms (${(syncRun.timeToAccept.p50Ms / Math.max(1, asyncRun.timeToAccept.p50Ms)).toFixed(1)}x)`,
      );
    } finally {
      log('restoring payment-1 and email-1 without the added latency…');
      await restartService('payment', 1);
      await restartService('email', 1);
    }
  },
};
