import type { AuditReport, RushProgress, RushResult } from '@akaso/load';
import { describe, expect, it } from 'vitest';
import { createRushRunner, type RushRunnerDeps } from './rush-runner.ts';

const summary = (p50Ms: number, p99Ms: number) => ({
  count: 1,
  p50Ms,
  p95Ms: p99Ms,
  p99Ms,
  maxMs: p99Ms,
  meanMs: p50Ms,
});

const result = (over: Partial<RushResult> = {}): RushResult => ({
  runId: 'r1',
  mode: 'async',
  durationS: 10,
  offered: 200,
  sent: 200,
  dropped: 0,
  accepted: 190,
  refused: 10,
  failed: 0,
  otherStatus: {},
  offeredRps: 20,
  acceptedRps: 19,
  timeToAccept: summary(4, 12),
  timeToRefuse: summary(3, 5),
  timeToAnswer: summary(4, 12),
  answers: { '202': 190, '429 QUOTA_EXCEEDED': 10 },
  unavailableWithoutRetryAfter: 0,
  acceptedOrders: [],
  firstErrors: [],
  ...over,
});

const report = (over: Partial<AuditReport> = {}): AuditReport => ({
  runId: 'r1',
  ok: true,
  violations: [],
  checks: [
    {
      id: 'provider',
      rule: 'one charge',
      outcome: 'skipped',
      figures: 'skipped: no charge counter',
      violations: 0,
    },
  ],
  stillDraining: null,
  orders: { accepted: 190, confirmed: 186, rejected: 4, pending: 0, mode: { async: 190 } },
  payments: { succeeded: 186, failed: 4 },
  provider: null,
  emails: { confirmation: 186, receipt: 186, rejection: 4 },
  endToEndMs: { p50: 300, p99: 900, max: 1000, count: 186 },
  dlq: {},
  drainedInMs: 1200,
  settledAt: 0,
  lastArrivalAt: 0,
  ...over,
});

/** A runner whose rush and audit end when the test says so, on a clock the test moves. */
function harness() {
  let now = Date.parse('2026-12-24T12:00:00Z');
  let finishRun: (r: RushResult) => void = () => {};
  let failRun: (e: Error) => void = () => {};
  let finishAudit: (r: AuditReport) => void = () => {};
  let failAudit: (e: Error) => void = () => {};
  let progress: (p: RushProgress) => void = () => {};
  let signal: AbortSignal | null = null;
  const audited: string[] = [];
  const deps: RushRunnerDeps = {
    run: (args) => {
      progress = args.onProgress;
      signal = args.signal;
      return new Promise((resolve, reject) => {
        finishRun = resolve;
        failRun = reject;
      });
    },
    audit: (runId) => {
      audited.push(runId);
      return new Promise((resolve, reject) => {
        finishAudit = resolve;
        failAudit = reject;
      });
    },
    now: () => now,
    newRunId: () => `run${audited.length + 1}`,
    logger: { info: () => {}, error: () => {} },
  };
  const runner = createRushRunner(deps);
  return {
    runner,
    audited,
    tick: (ms: number) => {
      now += ms;
    },
    progress: (p: Partial<RushProgress>) =>
      progress({
        elapsedS: 0,
        offeredRps: 20,
        sent: 0,
        accepted: 0,
        refused: 0,
        failed: 0,
        inFlight: 0,
        p50Ms: 0,
        p99Ms: 0,
        ...p,
      }),
    signal: () => signal,
    finishRun: (r: RushResult) => finishRun(r),
    failRun: (e: Error) => failRun(e),
    finishAudit: (r: AuditReport) => finishAudit(r),
    failAudit: (e: Error) => failAudit(e),
    /** Lets the runner's awaits run. */
    flush: () => new Promise((r) => setImmediate(r)),
  };
}

const settings = { rate: 20, durationS: 10, users: 500 };

describe('the dashboard rush runner', () => {
  it('is idle with zero progress before any rush', () => {
    const { runner } = harness();
    expect(runner.view()).toMatchObject({
      state: 'idle',
      runId: null,
      settings: null,
      verdict: null,
      error: null,
    });
    expect(runner.view().progress).toMatchObject({ placed: 0, elapsedS: 0, remainingS: 0 });
  });

  it('shows live progress while running: elapsed and remaining on its clock, the rate achieved, p50/p99', () => {
    const h = harness();
    expect(h.runner.start(settings)).toMatchObject({ state: 'running', runId: 'run1', settings });
    h.tick(4_000);
    h.progress({ sent: 80, accepted: 76, refused: 3, failed: 1, inFlight: 2, p50Ms: 5, p99Ms: 21 });
    expect(h.runner.view().progress).toEqual({
      elapsedS: 4,
      remainingS: 6,
      placed: 80,
      accepted: 76,
      refused: 3,
      failed: 1,
      inFlight: 2,
      achievedRps: 19,
      p50Ms: 5,
      p99Ms: 21,
    });
  });

  it('refuses a second rush while one runs, is being stopped or is being audited (409 CONFLICT)', async () => {
    const h = harness();
    h.runner.start(settings);
    expect(() => h.runner.start(settings)).toThrow(
      expect.objectContaining({ code: 'CONFLICT', statusCode: 409 }),
    );
    h.finishRun(result());
    await h.flush();
    expect(h.runner.view().state).toBe('auditing');
    expect(() => h.runner.start(settings)).toThrow(/already auditing/);
  });

  it('audits the run when its arrivals end, then shows the verdict and the final figures', async () => {
    const h = harness();
    h.runner.start(settings);
    h.finishRun(result());
    await h.flush();
    expect(h.audited).toEqual(['run1']);
    h.finishAudit(report());
    await h.runner.settled();
    const view = h.runner.view();
    expect(view.state).toBe('done');
    expect(view.progress).toMatchObject({
      placed: 200,
      accepted: 190,
      refused: 10,
      achievedRps: 19,
      p50Ms: 4,
      p99Ms: 12,
      remainingS: 0,
    });
    expect(view.verdict).toMatchObject({
      ok: true,
      headline: 'audit passed: nothing lost, nothing doubled, no user above the limit',
      checks: [expect.objectContaining({ id: 'provider', outcome: 'skipped' })],
      violationCount: 0,
    });
  });

  it('stops the arrivals on stop (the driver sees the abort), still audits, and may then start again', async () => {
    const h = harness();
    h.runner.start(settings);
    expect(h.signal()?.aborted).toBe(false);
    expect(h.runner.stop()).toMatchObject({ state: 'stopping', stopped: true });
    expect(h.signal()?.aborted).toBe(true);
    expect(h.runner.stop().state).toBe('stopping');
    h.finishRun(result({ stopped: true, durationS: 3.2, sent: 64, accepted: 64, refused: 0 }));
    await h.flush();
    h.finishAudit(report());
    await h.runner.settled();
    expect(h.runner.view()).toMatchObject({
      state: 'done',
      stopped: true,
      progress: { placed: 64, elapsedS: 3.2 },
    });
    expect(() => h.runner.stop()).toThrow(/no rush is running/);
    expect(h.runner.start(settings)).toMatchObject({
      state: 'running',
      runId: 'run2',
      verdict: null,
      stopped: false,
    });
  });

  it('shows a failed verdict with its first violations only, and the count of all', async () => {
    const h = harness();
    h.runner.start(settings);
    h.finishRun(result());
    await h.flush();
    const violations = Array.from({ length: 30 }, (_, i) => `order o${i}: 2 confirmation emails`);
    h.finishAudit(report({ ok: false, violations }));
    await h.runner.settled();
    expect(h.runner.view().verdict).toMatchObject({
      ok: false,
      headline: 'audit FAILED: 30 violation(s)',
      violationCount: 30,
    });
    expect(h.runner.view().verdict?.violations).toHaveLength(20);
  });

  it('ends as failed, with the reason, when the rush or the audit cannot run', async () => {
    const h = harness();
    h.runner.start(settings);
    h.failRun(new Error('invalid URL'));
    await h.runner.settled();
    expect(h.runner.view()).toMatchObject({ state: 'failed', error: 'the rush could not run: invalid URL' });
    h.runner.start(settings);
    h.finishRun(result());
    await h.flush();
    h.failAudit(new Error('connect ECONNREFUSED 127.0.0.1:55432'));
    await h.runner.settled();
    expect(h.runner.view()).toMatchObject({
      state: 'failed',
      error: 'the audit could not run: connect ECONNREFUSED 127.0.0.1:55432',
      progress: { placed: 200 },
    });
  });
});
