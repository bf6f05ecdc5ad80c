/**
 * The charge counter: a small HTTP proxy in front of stripe-mock that forwards every request
 * unchanged and writes down each card charge (POST /v1/payment_intents) that reaches the
 * provider — its Idempotency-Key, the order it names (metadata[orderId]) and the provider's
 * answer. The audit reads it at GET /__akaso/charges.
 *
 * Why: "one payment per confirmed order" in the payment service's table is a primary key; a
 * second charge at the provider (a retry under a new idempotency key, a charge whose outcome was
 * lost) would leave one row there and two charges on the customer's card. Counting where the
 * money moves is the only way an audit can see it. Stripe dedupes a repeated call with the SAME
 * idempotency key (it returns the first PaymentIntent), so several calls under one key are one
 * charge; two keys for one order are two.
 *
 * The local stack starts it (`pnpm start`) and points the payment service's STRIPE_API_BASE at
 * it. When stripe-mock is down the counter stays up and drops the client's connection, as a
 * refused connection would look to the Stripe SDK (a connection error, retried as transient).
 * Calls are appended to a JSON-lines file and reloaded on start, so a restarted counter still
 * knows the run's charges. History is bounded: calls older than 6 hours are dropped at start
 * (the file is rewritten without them) and once an hour (a rush is audited when it ends, or soon
 * after with `pnpm rush-audit`; a run older than that has no provider record left), and beyond
 * the newest 60,000 calls (more than a 20-minute rush at 40 orders/s places; without it a busy
 * afternoon's history filled the counter's heap), and a reader asks for the calls since a
 * time (`?since=`, the audit: its run's first order) or of given orders (`?orderId=`): kept and
 * served whole, the history would grow without bound, and every audit would serialize all of it
 * inside `pnpm bench`'s CPU window.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import {
  type ChargeCall,
  type ChargeOutcome,
  chargeCounter,
  chargeCounterUrl,
  chargesPath,
  host,
  stripeMock,
} from '@akaso/stack-client';
import { dataDir } from './paths.ts';
import { logFile, portOpen, type Reporter, runningPid, startDetached, stopProcess, waitFor } from './proc.ts';
import { serviceRuntimeEnv } from './services.ts';

export function outcomeOf(httpStatus: number | null): ChargeOutcome {
  if (httpStatus === null) return 'unreachable';
  if (httpStatus >= 200 && httpStatus < 300) return 'succeeded';
  // 402: Stripe's card error (a decline); other 4xx: the request itself was refused.
  if (httpStatus === 402) return 'declined';
  if (httpStatus < 500) return 'refused';
  return 'error';
}

/** metadata[orderId] from the form-encoded body the Stripe SDK sends. */
export function orderIdOf(body: string): string | null {
  return new URLSearchParams(body).get('metadata[orderId]');
}

/** Is this request a charge (creating a PaymentIntent, which the service confirms at once)? */
export const isCharge = (method: string | undefined, url: string | undefined) =>
  method === 'POST' && (url ?? '').split('?')[0] === '/v1/payment_intents';

export function loadCalls(file: string): ChargeCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ChargeCall];
      } catch {
        return []; // a line cut short by a crash mid-write
      }
    });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export interface ChargeCounterOptions {
  /** stripe-mock (or any Stripe-shaped API) on plain HTTP. */
  upstream: { host: string; port: number };
  /** Where calls are appended (JSON lines); none: in memory only. */
  file?: string;
  /** Calls older than this are forgotten (an audit needs its run's minutes). Default: 6 hours. */
  retentionMs?: number;
  /** At most this many calls are kept, the newest (an audit needs its run's). Default: 60,000. */
  maxCalls?: number;
  now?(): number;
}

/**
 * The calls a reader asks for: since a time (ISO, compared as the recorded ISO strings are) and
 * of the given orders; calls are in the order they were recorded, which is time order.
 */
export function selectCalls(calls: ChargeCall[], query: URLSearchParams): ChargeCall[] {
  const since = query.get('since');
  const ids = new Set(query.getAll('orderId'));
  let from = 0;
  if (since !== null) {
    const at = new Date(since).toISOString();
    from = calls.length;
    while (from > 0 && (calls[from - 1] as ChargeCall).at >= at) from--;
  }
  const recent = calls.slice(from);
  return ids.size === 0 ? recent : recent.filter((c) => c.orderId !== null && ids.has(c.orderId));
}

export function createChargeCounter(opts: ChargeCounterOptions): { server: Server; calls: ChargeCall[] } {
  const retentionMs = opts.retentionMs ?? 6 * 3_600_000;
  const maxCalls = opts.maxCalls ?? 60_000;
  const now = opts.now ?? Date.now;
  const calls: ChargeCall[] = opts.file ? loadCalls(opts.file) : [];
  /** Drops the calls older than the retention and the oldest beyond the cap; true if there were any. */
  const prune = () => {
    const cutoff = new Date(now() - retentionMs).toISOString();
    const keep = calls.findIndex((c) => c.at >= cutoff);
    const drop = Math.max(keep === -1 ? calls.length : keep, calls.length - maxCalls);
    calls.splice(0, drop);
    return drop > 0;
  };
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    // The file keeps what memory keeps: rewritten whole, then swapped in (a crash leaves either).
    if (prune()) {
      writeFileSync(`${opts.file}.tmp`, calls.map((c) => `${JSON.stringify(c)}\n`).join(''));
      renameSync(`${opts.file}.tmp`, opts.file);
    }
  } else prune();
  setInterval(prune, 3_600_000).unref();
  const record = (call: ChargeCall) => {
    calls.push(call);
    // Trimmed a tenth at a time, not one call per charge: a splice moves the whole array.
    if (calls.length > maxCalls + Math.ceil(maxCalls / 10)) calls.splice(0, calls.length - maxCalls);
    // Synchronous on purpose: the line is on disk before the client sees the answer.
    if (opts.file) appendFileSync(opts.file, `${JSON.stringify(call)}\n`);
  };

  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === chargesPath) {
      const query = new URL(req.url ?? '/', 'http://counter').searchParams;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ calls: selectCalls(calls, query) }));
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    const charge = isCharge(req.method, req.url);
    const key = req.headers['idempotency-key'];
    const base = {
      key: typeof key === 'string' ? key : null,
      orderId: charge ? orderIdOf(body.toString('utf8')) : null,
    };
    // Once connected, the request may have reached the provider: a failure after that is 'lost'.
    let sent = false;
    const upstream = request(
      {
        // Kept-alive connections: a fresh one per charge cost the counter and stripe-mock a TCP
        // handshake and an accept each.
        agent: upstreamAgent,
        host: opts.upstream.host,
        port: opts.upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${opts.upstream.host}:${opts.upstream.port}` },
      },
      async (answer) => {
        let payload: Buffer;
        try {
          payload = await readBody(answer);
        } catch {
          if (charge) record({ at: new Date().toISOString(), ...base, ...failed('lost') });
          req.socket.destroy();
          return;
        }
        if (charge) {
          let paymentIntentId: string | null = null;
          try {
            paymentIntentId = (JSON.parse(payload.toString('utf8')) as { id?: string }).id ?? null;
          } catch {
            // not JSON: no intent id to note
          }
          record({
            at: new Date().toISOString(),
            ...base,
            outcome: outcomeOf(answer.statusCode ?? null),
            httpStatus: answer.statusCode ?? null,
            paymentIntentId: outcomeOf(answer.statusCode ?? null) === 'succeeded' ? paymentIntentId : null,
          });
        }
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        headers['content-length'] = String(payload.length);
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(payload);
      },
    );
    // The provider is unreachable: no answer at all, as if the client had dialled it directly.
    upstream.once('error', () => {
      if (charge) record({ at: new Date().toISOString(), ...base, ...failed(sent ? 'lost' : 'unreachable') });
      req.socket.destroy();
    });
    upstream.once('socket', (socket) => {
      // A reused connection is already open: whatever fails from here on may have reached the
      // provider. A new one counts once it connects (refused: 'unreachable', nothing charged).
      if (!socket.connecting) sent = true;
      else
        socket.once('connect', () => {
          sent = true;
        });
    });
    upstream.end(body);
  });
  server.once('close', () => upstreamAgent.destroy());
  return { server, calls };
}

const failed = (outcome: 'unreachable' | 'lost') => ({ outcome, httpStatus: null, paymentIntentId: null });

export const chargeCounterFile = join(dataDir, 'charge-counter', 'calls.jsonl');
export const chargeCounterLog = logFile('charge-counter');

/** Started by the stack beside stripe-mock; a running counter is reused (its record is on disk anyway). */
export async function startChargeCounter(reporter: Reporter): Promise<void> {
  if (runningPid('charge-counter') !== null && (await portOpen(chargeCounter.port))) {
    reporter.done('charge-counter: already running, reusing it');
    return;
  }
  startDetached('charge-counter', process.execPath, [import.meta.filename], {
    env: {
      ...process.env,
      ...serviceRuntimeEnv,
      CHARGE_COUNTER_HOST: host,
      CHARGE_COUNTER_PORT: String(chargeCounter.port),
      STRIPE_MOCK_PORT: String(stripeMock.port),
      CHARGE_COUNTER_FILE: chargeCounterFile,
    },
  });
  await waitFor('the charge counter', () => portOpen(chargeCounter.port), { timeoutMs: 30_000 });
  reporter.done(
    `charge-counter: ${chargeCounterUrl} → stripe-mock (charges at ${chargeCounterUrl}${chargesPath})`,
  );
}

export async function stopChargeCounter(): Promise<void> {
  await stopProcess('charge-counter', 10_000);
}

// Run as a process by the stack: CHARGE_COUNTER_PORT, STRIPE_MOCK_PORT, CHARGE_COUNTER_FILE.
if (import.meta.main) {
  const host = process.env.CHARGE_COUNTER_HOST ?? '127.0.0.1';
  const port = Number(process.env.CHARGE_COUNTER_PORT);
  const upstreamPort = Number(process.env.STRIPE_MOCK_PORT);
  if (!(port > 0) || !(upstreamPort > 0)) {
    console.error('charge-counter: CHARGE_COUNTER_PORT and STRIPE_MOCK_PORT are required');
    process.exit(2);
  }
  const { server, calls } = createChargeCounter({
    upstream: { host, port: upstreamPort },
    file: process.env.CHARGE_COUNTER_FILE,
  });
  server.listen(port, host, () => {
    console.log(
      `charge-counter: http://${host}:${port} → stripe-mock ${host}:${upstreamPort}, ${calls.length} calls on record`,
    );
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
