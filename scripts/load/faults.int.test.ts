import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuditReport,
  auditRun,
  christmasStages,
  deadLetterCounts,
  deadLettersAdded,
  type RushResult,
  runRush,
} from '@akaso/load';
import {
  auditTarget,
  bootstrapServers,
  host,
  postgresUrl,
  serviceBasePorts,
  stackAddresses,
} from '@akaso/stack-client';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { killPart, restartPart, startPart, stopPart } from '../stack/control.ts';
import { type PausedPostgres, pausePostgres } from '../stack/pause-postgres.ts';
import { silentReporter } from '../stack/proc.ts';

/**
 * The fault matrix (issue 11): each dependency fails in the middle of a small rush (~12 orders/s
 * for ~20 s, about 230 orders), comes back, and then, without anyone touching the services:
 *  - the audit passes: every accepted order confirmed or rejected, one payment and one charge at
 *    the provider per confirmed order, one mail per (order, kind), nobody above the limit;
 *  - no valid message went to a dead-letter topic (a dependency being down is transient, not
 *    poison: the message waits, it is not dead-lettered);
 *  - the API never answered 500: at worst 503 with Retry-After while the database was away.
 *
 * Grey failures too (issue 23): PostgreSQL that stops answering without going away (every postgres
 * process SIGSTOPped) costs a caller a bounded wait and a 503, not the length of the outage; the
 * order writer's queue full answers 503 OVERLOADED at once; one user's quota lock held by another
 * session costs that user a 503 USER_BUSY after the lock timeout and the other users at most that
 * timeout; a database whose default isolation is repeatable read still lets nobody past the limit.
 * Each asserts the longest wait any caller saw (time to any answer, from the rush's scheduled
 * arrival).
 *
 * A consumer SIGKILLed and started again costs latency, not data: the restarted instance joins
 * its group only once the dead member's session has expired (the consumer's sessionTimeout, 10 s).
 *
 * Elsewhere: a broker SIGKILLed mid-rush is lab 6 (scripts/lab/labs.int.test.ts), and a rolling
 * (graceful) stop of a consumer is services/payment/test/scaling.int.test.ts.
 */
const stack = auditTarget;
const apiUrl = stackAddresses.api;

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
async function underRush(
  name: string,
  fault: () => Promise<void>,
  drainMs = 90_000,
  baseUrl = apiUrl,
): Promise<FaultRun> {
  const before = await deadLetterCounts(bootstrapServers);
  const runId = randomUUID().slice(0, 8);
  let sent = 0;
  const rush = runRush({
    baseUrl,
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
      `answers ${JSON.stringify(result.answers)}, longest wait for an answer ${result.timeToAnswer.maxMs} ms; ` +
      `dead-lettered ${JSON.stringify(deadLettered)}${audit.ok ? '' : `; first violations: ${audit.violations.slice(0, 5).join(' | ')}`}`,
  );
  return { rush: result, audit, deadLettered, faultMs };
}

/**
 * What every case must end with. `unavailable`: the API may have answered 503 meanwhile.
 * `timedOut`: some answers were 503 because the database did not answer in time; a statement
 * already sent may still have committed once it answered again (the caller was told to retry,
 * and a retry with the same Idempotency-Key returns that order): the audit may find up to that
 * many more orders than were answered 202, each processed like any other.
 */
function expectSurvived(run: FaultRun, { unavailable = false, timedOut = false } = {}) {
  expect(run.audit.violations).toEqual([]);
  if (timedOut) {
    expect(run.audit.orders.accepted).toBeGreaterThanOrEqual(run.rush.accepted);
    expect(run.audit.orders.accepted).toBeLessThanOrEqual(
      run.rush.accepted + (run.rush.answers['503 DATABASE_UNAVAILABLE'] ?? 0),
    );
  } else {
    expect(run.audit.orders.accepted).toBe(run.rush.accepted);
  }
  expect(run.audit.provider?.charges).toBe(run.audit.orders.confirmed);
  expect(run.deadLettered).toEqual({});
  if (unavailable) {
    // Answers that were not 202/429 are 503 with a code, never a 500 or a dropped connection.
    for (const e of run.rush.firstErrors) expect(e).toMatch(/^503 .*"code"/);
    for (const answer of Object.keys(run.rush.answers))
      expect(answer).toMatch(/^(202|429 QUOTA_EXCEEDED|503 [A-Z_]+)$/);
    expect(run.rush.unavailableWithoutRetryAfter).toBe(0);
  } else {
    expect(run.rush.firstErrors).toEqual([]);
    expect(run.rush.failed).toBe(0);
  }
}

interface OneOrder {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  /** From sending to the whole answer. */
  ms: number;
}

/** One order of one burger for `userId`, outside the rush, timed. */
async function orderOnce(baseUrl: string, userId: string): Promise<OneOrder> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      userId,
      email: 'fault@faults.test',
      items: [{ burgerId: 'classic', quantity: 1 }],
      paymentMethod: 'pm_card_visa',
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  return {
    status: res.status,
    code: body.code,
    retryAfter: res.headers.get('retry-after'),
    ms: Math.round(performance.now() - started),
  };
}

function count(xs: string[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const x of xs) n[x] = (n[x] ?? 0) + 1;
  return n;
}

describe('the fault matrix: each dependency fails mid-rush', () => {
  // Whatever happened, the next case (and the next test file) finds every part running.
  let paused: PausedPostgres | null = null;
  afterEach(async () => {
    paused?.resume();
    paused = null;
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

  it('PostgreSQL stops answering for 20 s (every postgres process paused): callers get 503 within a few seconds, not the whole 20', async () => {
    let readiness: { status: number; ms: number; database: string } | null = null;
    const run = await underRush('postgres paused 20 s', async () => {
      paused = pausePostgres();
      await sleep(8_000);
      // Readiness names the failing dependency and since when, within its own bound.
      const asked = Date.now();
      const res = await fetch(`${apiUrl}/readyz`);
      const body = (await res.json()) as { checks?: Record<string, string> };
      readiness = { status: res.status, ms: Date.now() - asked, database: body.checks?.database ?? '' };
      await sleep(12_000);
      paused.resume();
    });
    console.log(`[faults] /readyz with PostgreSQL paused: ${JSON.stringify(readiness)}`);
    expect(readiness).toMatchObject({ status: 503, database: expect.stringMatching(/failing since/) });
    expect((readiness as { ms: number } | null)?.ms).toBeLessThan(5_000);
    // The database's bounds (the client-side query timeout, the pool's connect timeout) end every
    // wait: no caller waits out the pause.
    expect(run.rush.timeToAnswer.maxMs).toBeLessThan(12_000);
    expect(run.rush.answers['503 DATABASE_UNAVAILABLE']).toBeGreaterThan(0);
    expectSurvived(run, { unavailable: true, timedOut: true });
  }, 240_000);

  it('the order writer’s queue full: the orders beyond it get 503 OVERLOADED at once, none waits long', async () => {
    // A second API instance with a small writer queue (and no consumer: no rebalance), whose
    // transactions hang for 4 s while PostgreSQL is paused: the rush's arrivals fill the queue.
    const instance = 'order-api-2';
    await startPart(instance, silentReporter, { ORDER_WRITER_MAX_QUEUE: '3', CONSUME: 'false' });
    try {
      const run = await underRush(
        'order writer queue full',
        async () => {
          paused = pausePostgres();
          await sleep(4_000);
          paused.resume();
        },
        90_000,
        `http://${host}:${serviceBasePorts['order-api'] + 1}`,
      );
      expect(run.rush.answers['503 OVERLOADED']).toBeGreaterThan(0);
      expect(run.rush.timeToAnswer.maxMs).toBeLessThan(8_000);
      expectSurvived(run, { unavailable: true, timedOut: true });
    } finally {
      await stopPart(instance);
    }
  }, 240_000);

  it('one user’s quota lock held by another session for 30 s: that user alone gets 503 USER_BUSY, the others order as usual', async () => {
    // A session (psql, a stuck job) holds one user's quota lock in an open transaction, in the
    // same two-key form place_order takes it (lock_quota), for ~30 s; that user keeps ordering.
    const stuck = `fault-stuck-${randomUUID().slice(0, 8)}`;
    const holder = new pg.Client({
      connectionString: postgresUrl('order_api'),
      application_name: 'fault-lock-holder',
    });
    await holder.connect();
    const tries: OneOrder[] = [];
    try {
      const run = await underRush('quota lock held 30 s', async () => {
        await holder.query('begin');
        await holder.query('select lock_quota($1)', [stuck]);
        // Two at a time, as a retrying client would: with the lock held they would otherwise
        // take both of the writer's transactions and every other order would wait behind them.
        for (let i = 0; i < 6; i++) {
          tries.push(...(await Promise.all([orderOnce(apiUrl, stuck), orderOnce(apiUrl, stuck)])));
          await sleep(4_000);
        }
        await holder.query('rollback');
      });
      // Released: the user orders like anyone, without anything being mended.
      const after = await orderOnce(apiUrl, stuck);
      console.log(
        `[faults] the stuck user's orders while held: ${JSON.stringify(tries)}; after: ${JSON.stringify(after)}`,
      );
      // Each try gave up after the lock timeout (ORDER_LOCK_TIMEOUT_MS, 1 s), not the hold.
      for (const t of tries)
        expect(t).toMatchObject({
          status: 503,
          code: 'USER_BUSY',
          retryAfter: expect.stringMatching(/^\d+$/),
        });
      expect(Math.max(...tries.map((t) => t.ms))).toBeLessThan(3_000);
      expect(after.status).toBe(202);
      // Everyone else: answered as usual (no 503, no 500), none waiting more than the lock
      // timeout and a margin (an order sharing a batch with a stuck try waits for it).
      expect(run.rush.timeToAnswer.maxMs).toBeLessThan(3_000);
      expectSurvived(run);
    } finally {
      await holder.end().catch(() => {});
    }
  }, 240_000);

  it('PostgreSQL with repeatable read as its default isolation: still nobody above the limit', async () => {
    // Some managed PostgreSQL services default to repeatable read. The API sets the level its
    // quota needs on each connection; an instance started now opens every connection under it.
    const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
    await admin.connect();
    await admin.query(`alter database order_api set default_transaction_isolation = 'repeatable read'`);
    // Which a connection that does not choose now gets.
    const plain = new pg.Client({ connectionString: postgresUrl('order_api') });
    await plain.connect();
    const level = await plain.query(`select current_setting('transaction_isolation') as level`);
    await plain.end();
    expect(level.rows).toEqual([{ level: 'repeatable read' }]);
    const instance = 'order-api-2';
    const base = `http://${host}:${serviceBasePorts['order-api'] + 1}`;
    let burst: OneOrder[] = [];
    try {
      await startPart(instance, silentReporter, { CONSUME: 'false' });
      const run = await underRush(
        'repeatable read by default',
        async () => {
          // Beside the rush, one user's 50 concurrent one-burger orders: the quota's hardest case.
          const user = `fault-rr-${randomUUID().slice(0, 8)}`;
          burst = await Promise.all(Array.from({ length: 50 }, () => orderOnce(base, user)));
        },
        90_000,
        base,
      );
      const statuses = burst.map((b) => `${b.status}${b.code ? ` ${b.code}` : ''}`);
      console.log(
        `[faults] one user's 50 concurrent orders under repeatable read: ${JSON.stringify(count(statuses))}`,
      );
      expect(statuses.filter((s) => s === '202')).toHaveLength(5);
      expect(statuses.filter((s) => s === '429 QUOTA_EXCEEDED')).toHaveLength(45);
      expectSurvived(run);
    } finally {
      await admin.query('alter database order_api reset default_transaction_isolation');
      await admin.end();
      await stopPart(instance);
    }
  }, 240_000);

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
