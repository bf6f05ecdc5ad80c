import { randomUUID } from 'node:crypto';
import { type Logger, parseBrokers } from '@akaso/config';
import {
  type AuditReport,
  auditHeadline,
  auditRun,
  type RushProgress,
  type RushResult,
  runRush,
} from '@akaso/load';
import { outsideTrace } from '@akaso/observability';
import { AppError } from '@akaso/service';
import type { Config } from './config.ts';
import type { RushProgressView, RushSettings, RushState, RushVerdict, RushView } from './rush-body.ts';

/**
 * One rush at a time from the dashboard: started from the page, followed while it runs, then
 * judged by the same audit as `pnpm rush`. idle → running (→ stopping) → auditing → done, or
 * failed when the rush or its audit could not run; a new rush may start from done or failed.
 */
export interface RushRunnerDeps {
  /** Runs the rush: the load driver (runRush) against the order API, stopped by `signal`. */
  run(args: {
    runId: string;
    settings: RushSettings;
    signal: AbortSignal;
    onProgress: (p: RushProgress) => void;
  }): Promise<RushResult>;
  /** The audit of a finished run (auditRun). */
  audit(runId: string): Promise<AuditReport>;
  now(): number;
  newRunId(): string;
  logger: Pick<Logger, 'info' | 'error'>;
}

export interface RushRunner {
  /** Starts a rush; CONFLICT while one runs or is being audited. */
  start(settings: RushSettings): RushView;
  /** Stops the running rush's arrivals (its audit still runs); CONFLICT when none runs. */
  stop(): RushView;
  view(): RushView;
  /** Resolves once the current rush and its audit are over (shutdown, tests). */
  settled(): Promise<void>;
}

/** How many violations the page gets (the count says how many more there were). */
const violationsShown = 20;

const busy: readonly RushState[] = ['running', 'stopping', 'auditing'];

const round1 = (x: number) => Math.round(x * 10) / 10;

export function verdictOf(report: AuditReport): RushVerdict {
  return {
    ok: report.ok,
    headline: auditHeadline(report),
    checks: report.checks,
    violations: report.violations.slice(0, violationsShown),
    violationCount: report.violations.length,
    stillDraining: report.stillDraining,
    endToEndMs: report.endToEndMs,
  };
}

export function createRushRunner(deps: RushRunnerDeps): RushRunner {
  let state: RushState = 'idle';
  let runId: string | null = null;
  let settings: RushSettings | null = null;
  let startedAt: number | null = null;
  let live: RushProgress | null = null;
  let result: RushResult | null = null;
  let verdict: RushVerdict | null = null;
  let error: string | null = null;
  let controller: AbortController | null = null;
  let current: Promise<void> = Promise.resolve();

  function progress(): RushProgressView {
    if (result !== null) {
      return {
        elapsedS: result.durationS,
        remainingS: 0,
        placed: result.sent,
        accepted: result.accepted,
        refused: result.refused,
        failed: result.failed,
        inFlight: 0,
        achievedRps: result.acceptedRps,
        p50Ms: result.timeToAccept.p50Ms,
        p99Ms: result.timeToAccept.p99Ms,
      };
    }
    const elapsedS = startedAt === null ? 0 : round1((deps.now() - startedAt) / 1000);
    const accepted = live?.accepted ?? 0;
    return {
      elapsedS,
      remainingS:
        settings === null || state !== 'running' ? 0 : round1(Math.max(0, settings.durationS - elapsedS)),
      placed: live?.sent ?? 0,
      accepted,
      refused: live?.refused ?? 0,
      failed: live?.failed ?? 0,
      inFlight: live?.inFlight ?? 0,
      achievedRps: elapsedS > 0 ? round1(accepted / elapsedS) : 0,
      p50Ms: live?.p50Ms ?? 0,
      p99Ms: live?.p99Ms ?? 0,
    };
  }

  function view(): RushView {
    return {
      state,
      runId,
      settings,
      startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
      stopped: result?.stopped === true || state === 'stopping',
      progress: progress(),
      verdict,
      error,
    };
  }

  async function runAndAudit(id: string, s: RushSettings, signal: AbortSignal): Promise<void> {
    try {
      result = await deps.run({
        runId: id,
        settings: s,
        signal,
        onProgress: (p) => {
          live = p;
        },
      });
    } catch (err) {
      state = 'failed';
      error = `the rush could not run: ${(err as Error).message}`;
      deps.logger.error({ err, runId: id }, 'rush failed');
      return;
    }
    state = 'auditing';
    try {
      verdict = verdictOf(await deps.audit(id));
      state = 'done';
      deps.logger.info({ runId: id, ok: verdict.ok, headline: verdict.headline }, 'rush audited');
    } catch (err) {
      state = 'failed';
      error = `the audit could not run: ${(err as Error).message}`;
      deps.logger.error({ err, runId: id }, 'rush audit failed');
    }
  }

  return {
    start(next) {
      if (busy.includes(state)) {
        throw new AppError(
          'CONFLICT',
          `a rush is already ${state} (run ${runId}): stop it or wait for its verdict`,
        );
      }
      runId = deps.newRunId();
      settings = { ...next };
      startedAt = deps.now();
      live = null;
      result = null;
      verdict = null;
      error = null;
      state = 'running';
      controller = new AbortController();
      deps.logger.info({ runId, ...settings }, 'rush started from the dashboard');
      current = runAndAudit(runId, settings, controller.signal);
      return view();
    },
    stop() {
      if (state === 'stopping') return view();
      if (state !== 'running') throw new AppError('CONFLICT', 'no rush is running');
      state = 'stopping';
      controller?.abort();
      return view();
    },
    view,
    settled: () => current,
  };
}

/**
 * The runner as the dashboard uses it: the driver against the order API and the audit against
 * the databases, the SMTP sink, the cluster and (where there is one) the charge counter, all as
 * the configuration names them. A flat rate for the whole duration: what the page asks for.
 */
export function rushRunnerFromConfig(config: Config, logger: RushRunnerDeps['logger']): RushRunner {
  return createRushRunner({
    // Outside the trace of the request that started it: each order starts its own at the API.
    run: ({ runId, settings, signal, onProgress }) =>
      outsideTrace(() =>
        runRush({
          baseUrl: config.ORDER_API_URL,
          mode: 'async',
          stages: [{ durationS: settings.durationS, targetRps: settings.rate }],
          startRps: settings.rate,
          users: settings.users,
          runId,
          signal,
          onProgress,
        }),
      ),
    audit: (runId) =>
      outsideTrace(() =>
        auditRun({
          runId,
          postgresUrl: config.AUDIT_POSTGRES_URL,
          mailpitUrl: config.AUDIT_MAILPIT_URL,
          brokers: parseBrokers(config.KAFKA_BROKERS),
          kafka: config,
          // Empty: no charge counter here (compose); the verdict says its check was skipped.
          ...(config.AUDIT_CHARGES_URL ? { chargesUrl: config.AUDIT_CHARGES_URL } : {}),
        }),
      ),
    now: Date.now,
    newRunId: () => randomUUID().slice(0, 8),
    logger,
  });
}
