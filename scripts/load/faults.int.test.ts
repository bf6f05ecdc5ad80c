import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiUrl, auditTarget, bootstrapServers } from '@akaso/stack-client';
import { afterEach, describe, expect, it } from 'vitest';
import { killPart, restartPart, startPart, stopPart } from '../stack/control.ts';
import { type AuditReport, auditRun, deadLetterCounts, deadLettersAdded } from './audit.ts';
import { type RushResult, runRush } from './rush.ts';
import { christmasStages } from './scenario.ts';

/**
 * The fault matrix (issue 11): each dependency fails in the middle of a small rush (~12 orders/s
 * for ~20 s, about 230 orders), comes back, and then, without anyone touching the services:
 *  - the audit passes: every accepted order confirmed or rejected, one payment and one charge at
 *    the provider per confirmed order, one mail per (order, kind), nobody above the limit;
 *  - no valid message went to a dead-letter topic (a dependency being down is transient, not
 *    poison: the message waits, it is not dead-lettered);
 *  - the API never answered 500: at worst 503 with Retry-After while the database was away.
 *
 * A consumer SIGKILLed and started again costs latency, not data: the restarted instance joins
 * its group only once the dead member's session has expired (the consumer's sessionTimeout, 10 s).
 *
 * Elsewhere: a broker SIGKILLed mid-rush is lab 6 (scripts/lab/labs.int.test.ts), and a rolling
 * (graceful) stop of a consumer is services/payment/test/scaling.int.test.ts.
 */
const stack = auditTarget;

interface FaultRun {
  rush: RushResult;
  audit: AuditReport;
  /** New messages per dead-letter topic during the case (only topics that grew). */
  deadLettered: Record<string, number>;
  faultMs: number;
}

/**
 * A small rush with `fault` injected once the rush is going; `fault` returns when the part is
 * back. Then the audit, which waits (up to drainMs) for the pipeline to finish by itself.
 */
async function underRush(name: string, fault: () => Promise<void>, drainMs = 90_000): Promise<FaultRun> {
  const before = await deadLetterCounts(bootstrapServers);
  const runId = randomUUID().slice(0, 8);
  let sent = 0;
  const rush = runRush({
    baseUrl: apiUrl,
    mode: 'async',
    stages: christmasStages(12, 18, 2),
    users: 150,
    runId,
    seed: 11,
    timeoutMs: 30_000,
    onProgress: (p) => {
      sent = p.sent;
    },
  });
  rush.catch(() => undefined); // awaited below; handled now so a failure meanwhile is not unhandled
  while (sent < 40) await sleep(200);
  const faultStarted = Date.now();
  await fault();
  const faultMs = Date.now() - faultStarted;
  const result = await rush;
  const audit = await auditRun({ runId, ...stack, drainTimeoutMs: drainMs });
  const deadLettered = deadLettersAdded(before, await deadLetterCounts(bootstrapServers));
  console.log(
    `[faults] ${name} (run ${runId}): fault lasted ${(faultMs / 1000).toFixed(1)} s; sent ${result.sent}, ` +
      `accepted ${result.accepted}, refused ${result.refused}, failed ${result.failed} ${JSON.stringify(result.firstErrors.slice(0, 3))}; ` +
      `audit ${audit.ok ? 'ok' : `FAILED (${audit.violations.length})`}, confirmed ${audit.orders.confirmed}, ` +
      `rejected ${audit.orders.rejected}, pending ${audit.orders.pending}, drained in ${(audit.drainedInMs / 1000).toFixed(1)} s after the rush, ` +
      `end-to-end p99 ${audit.endToEndMs.p99} ms max ${audit.endToEndMs.max} ms; provider ${JSON.stringify(audit.provider)}; ` +
      `dead-lettered ${JSON.stringify(deadLettered)}${audit.ok ? '' : `; first violations: ${audit.violations.slice(0, 5).join(' | ')}`}`,
  );
  return { rush: result, audit, deadLettered, faultMs };
}

/** What every case must end with. `unavailable`: the API may have answered 503 meanwhile. */
function expectSurvived(run: FaultRun, { unavailable = false } = {}) {
  expect(run.audit.violations).toEqual([]);
  expect(run.audit.orders.accepted).toBe(run.rush.accepted);
  expect(run.audit.provider?.charges).toBe(run.audit.orders.confirmed);
  expect(run.deadLettered).toEqual({});
  if (unavailable) {
    // Answers that were not 202/429 are 503 with a code, never a 500 or a dropped connection.
    for (const e of run.rush.firstErrors) expect(e).toMatch(/^503 .*"code"/);
  } else {
    expect(run.rush.firstErrors).toEqual([]);
    expect(run.rush.failed).toBe(0);
  }
}

describe('the fault matrix: each dependency fails mid-rush', () => {
  // Whatever happened, the next case (and the next test file) finds every part running.
  afterEach(async () => {
    for (const part of ['postgres', 'mailpit', 'stripe-mock', 'charge-counter', 'payment-1'])
      await startPart(part);
  });

  it('PostgreSQL restarted (pg_ctl restart -m fast)', async () => {
    const run = await underRush('postgres restart', () => restartPart('postgres'));
    expectSurvived(run, { unavailable: true });
  }, 180_000);

  it('PostgreSQL down for 15 s: the API answers 503 with Retry-After meanwhile', async () => {
    let probe: { status: number; retryAfter: string | null; body: string } | null = null;
    const run = await underRush('postgres down 15 s', async () => {
      await stopPart('postgres');
      await sleep(3_000);
      const res = await fetch(`${apiUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: `fault-probe-${randomUUID().slice(0, 8)}`,
          email: 'probe@faults.test',
          items: [{ burgerId: 'classic', quantity: 1 }],
          paymentMethod: 'pm_card_visa',
        }),
      });
      probe = { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
      await sleep(12_000);
      await startPart('postgres');
    });
    console.log(`[faults] POST /orders with PostgreSQL down: ${JSON.stringify(probe)}`);
    expect(probe).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse((probe as { body: string } | null)?.body ?? '{}')).toHaveProperty('code');
    expectSurvived(run, { unavailable: true });
  }, 180_000);

  it('SMTP (Mailpit) down for 15 s: the mails wait, one of each still arrives', async () => {
    const run = await underRush('smtp down 15 s', async () => {
      await stopPart('mailpit');
      await sleep(15_000);
      await startPart('mailpit');
    });
    expectSurvived(run);
  }, 180_000);

  it('the card provider (stripe-mock) down for 15 s: charges wait, none is doubled', async () => {
    const run = await underRush('stripe-mock down 15 s', async () => {
      await stopPart('stripe-mock');
      await sleep(15_000);
      await startPart('stripe-mock');
    });
    expect(run.audit.provider?.unreachable).toBeGreaterThan(0); // the outage was felt at the provider
    expectSurvived(run);
  }, 180_000);

  it('the payment consumer SIGKILLed mid-rush and started again (no graceful shutdown, no commit)', async () => {
    const run = await underRush('payment-1 SIGKILLed', async () => {
      await killPart('payment-1');
      await startPart('payment-1');
    });
    expectSurvived(run);
  }, 180_000);
});
