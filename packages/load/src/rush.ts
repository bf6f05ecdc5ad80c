import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { makeOrder, random, rateAt, type Stage, totalDuration } from './scenario.ts';

export interface RushOptions {
  baseUrl: string;
  mode: 'async' | 'sync';
  stages: Stage[];
  /** The arrival rate at the start (the first stage ramps from it; 0 unless given). */
  startRps?: number;
  /** Distinct users the arrivals are drawn from. */
  users: number;
  runId: string;
  seed?: number;
  /** Arrivals beyond this many unanswered requests are counted as dropped, not sent (k6's dropped_iterations). */
  maxInFlight?: number;
  timeoutMs?: number;
  connections?: number;
  /**
   * Stops the arrivals early (the dashboard's stop button): nothing more is sent, the requests in
   * flight still get their answers, and the result covers what was offered up to the stop.
   */
  signal?: AbortSignal;
  onProgress?(p: RushProgress): void;
}

export interface RushProgress {
  elapsedS: number;
  offeredRps: number;
  sent: number;
  accepted: number;
  refused: number;
  failed: number;
  inFlight: number;
  /** Time to accept so far (0 before the first accepted order). */
  p50Ms: number;
  p99Ms: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface RushResult {
  runId: string;
  mode: 'async' | 'sync';
  /** The stages' duration, or the time to the stop when the run was stopped early. */
  durationS: number;
  /** Set when the run was stopped before its stages' end. */
  stopped?: true;
  offered: number;
  sent: number;
  dropped: number;
  accepted: number;
  refused: number;
  /** 5xx answers and transport errors: must stay 0. */
  failed: number;
  otherStatus: Record<string, number>;
  offeredRps: number;
  acceptedRps: number;
  /** Time to the answer of accepted orders (202 async, 200 sync). */
  timeToAccept: LatencySummary;
  /** Time to the answer of orders refused by the 5-burger rule (429). */
  timeToRefuse: LatencySummary;
  /** Time to any answer, whatever its status (a 503 too): the longest wait a caller saw is its max. */
  timeToAnswer: LatencySummary;
  /** Answers by status and error code (`503 OVERLOADED`, `202`), and `error` for no answer at all. */
  answers: Record<string, number>;
  /** 503 answers without a Retry-After header (a client would not know when to come back). */
  unavailableWithoutRetryAfter: number;
  acceptedOrders: { orderId: string; acceptedAt: number }[];
  firstErrors: string[];
}

const newHistogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });

function summary(h: ReturnType<typeof newHistogram>): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p95Ms: ms(h.getValueAtPercentile(95)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

/**
 * Open-model load: arrivals follow the stages' rate on a clock of their own; each one is sent at
 * once, without waiting for earlier answers. Latency is measured per request from its scheduled
 * arrival time (so time spent queued behind a slow server counts: no coordinated omission).
 */
export async function runRush(opts: RushOptions): Promise<RushResult> {
  const pool = new Pool(opts.baseUrl, { connections: opts.connections ?? 256, pipelining: 1 });
  const rand = random(opts.seed ?? 1);
  const maxInFlight = opts.maxInFlight ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const accepted = newHistogram();
  const refused = newHistogram();
  const answered = newHistogram();
  const result: RushResult = {
    runId: opts.runId,
    mode: opts.mode,
    durationS: totalDuration(opts.stages),
    offered: 0,
    sent: 0,
    dropped: 0,
    accepted: 0,
    refused: 0,
    failed: 0,
    otherStatus: {},
    offeredRps: 0,
    acceptedRps: 0,
    timeToAccept: summary(accepted),
    timeToRefuse: summary(refused),
    timeToAnswer: summary(answered),
    answers: {},
    unavailableWithoutRetryAfter: 0,
    acceptedOrders: [],
    firstErrors: [],
  };
  const path = opts.mode === 'sync' ? '/orders?mode=sync' : '/orders';
  const inFlight = new Set<Promise<void>>();
  const fail = (message: string) => {
    result.failed++;
    if (result.firstErrors.length < 10) result.firstErrors.push(message);
  };

  const send = (scheduledAt: number) => {
    const body = JSON.stringify(makeOrder(rand, opts.runId, opts.users));
    const p = (async () => {
      try {
        const res = await pool.request({
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await res.body.text();
        const tookUs = (performance.now() - scheduledAt) * 1000;
        answered.recordValue(Math.max(1, Math.round(tookUs)));
        const code = res.statusCode >= 300 ? errorCode(text) : '';
        const key = code ? `${res.statusCode} ${code}` : String(res.statusCode);
        result.answers[key] = (result.answers[key] ?? 0) + 1;
        if (res.statusCode === 503 && !res.headers['retry-after']) result.unavailableWithoutRetryAfter++;
        if (res.statusCode === 202 || res.statusCode === 200) {
          result.accepted++;
          accepted.recordValue(Math.max(1, Math.round(tookUs)));
          result.acceptedOrders.push({
            orderId: (JSON.parse(text) as { orderId: string }).orderId,
            acceptedAt: Date.now(),
          });
        } else if (res.statusCode === 429) {
          result.refused++;
          refused.recordValue(Math.max(1, Math.round(tookUs)));
        } else if (res.statusCode >= 500) {
          fail(`${res.statusCode} ${text.slice(0, 200)}`);
        } else {
          result.otherStatus[res.statusCode] = (result.otherStatus[res.statusCode] ?? 0) + 1;
          if (result.firstErrors.length < 10)
            result.firstErrors.push(`${res.statusCode} ${text.slice(0, 200)}`);
        }
      } catch (err) {
        result.answers.error = (result.answers.error ?? 0) + 1;
        answered.recordValue(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000)));
        fail((err as Error).message);
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const start = performance.now();
  const end = result.durationS * 1000;
  // Arrivals owed so far = the integral of the rate over time; each whole one is sent at once,
  // on a clock that never waits for answers (the loop ticks every ~2 ms).
  let owed = 0;
  let last = 0;
  let lastProgress = 0;
  while (true) {
    if (opts.signal?.aborted) {
      result.stopped = true;
      result.durationS = Math.round((performance.now() - start) / 100) / 10;
      break;
    }
    // The last slice is counted up to the end too, so a flat rate offers exactly rate × duration:
    // stopping at the first tick past the end would leave the run a few arrivals short.
    const now = Math.min(performance.now() - start, end);
    owed += (rateAt(opts.stages, (last + now) / 2000, opts.startRps) * (now - last)) / 1000;
    last = now;
    // (A hair under 1: the sum of the slices may land a rounding error short of a whole order.)
    while (owed >= 1 - 1e-9) {
      owed -= 1;
      result.offered++;
      if (inFlight.size >= maxInFlight) result.dropped++;
      else {
        result.sent++;
        send(start + now);
      }
    }
    if (now >= end) break;
    if (opts.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      opts.onProgress({
        elapsedS: Math.round(now / 100) / 10,
        offeredRps: Math.round(rateAt(opts.stages, now / 1000, opts.startRps)),
        sent: result.sent,
        accepted: result.accepted,
        refused: result.refused,
        failed: result.failed,
        inFlight: inFlight.size,
        p50Ms: accepted.totalCount > 0 ? Math.round(accepted.getValueAtPercentile(50)) / 1000 : 0,
        p99Ms: accepted.totalCount > 0 ? Math.round(accepted.getValueAtPercentile(99)) / 1000 : 0,
      });
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
  await pool.close();
  // (A run stopped at once has no duration to divide by.)
  const perSecond = (n: number) => (result.durationS > 0 ? Math.round((n / result.durationS) * 10) / 10 : 0);
  result.offeredRps = perSecond(result.offered);
  result.acceptedRps = perSecond(result.accepted);
  result.timeToAccept = summary(accepted);
  result.timeToRefuse = summary(refused);
  result.timeToAnswer = summary(answered);
  return result;
}

/** The `code` of an error body ({ code, message }), or '' when it has none. */
function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}
