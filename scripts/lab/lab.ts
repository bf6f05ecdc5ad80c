import { setTimeout as sleep } from 'node:timers/promises';
/**
 * What every lab shares: the report a verify fills in (checks and figures, PASS/FAIL), a Kafka
 * client for the local stack, and small polling helpers. A verify never sleeps to assert: it
 * polls for the observation with a generous deadline (the stack shares 2 cores with others).
 */
import type { OrderRequest } from '@akaso/contracts';
import {
  createKafka,
  type Kafka,
  kafkaClientOptions,
  loadKafkaConfig,
  provisionTopics,
  withAdmin,
  withProducer,
} from '@akaso/kafka';

export type { Kafka } from '@akaso/kafka';

import { type AuditReport, auditRun } from '@akaso/load';
import { stackAddresses } from '@akaso/stack-client';

/** The stack a lab drives: the local one unless the environment names another (compose). */
export const labStack = stackAddresses;

/** Audits a lab's rush against the lab stack, and reports where its orders ended up. */
export async function auditLabRun(
  report: LabReport,
  runId: string,
  drainTimeoutMs: number,
): Promise<AuditReport> {
  const audit = await auditRun({
    runId,
    postgresUrl: labStack.postgres,
    mailpitUrl: labStack.mailpit,
    brokers: labStack.brokers,
    chargesUrl: labStack.charges || undefined,
    drainTimeoutMs,
  });
  report.figure(
    'audit: confirmed / rejected / pending',
    `${audit.orders.confirmed} / ${audit.orders.rejected} / ${audit.orders.pending}`,
  );
  return audit;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a verify observed: named checks (all must pass) and the figures behind them. */
export class LabReport {
  readonly checks: Check[] = [];
  readonly figures: [string, string][] = [];
  readonly notes: string[] = [];

  check(name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ name, ok, detail });
    return ok;
  }
  figure(name: string, value: string | number): void {
    this.figures.push([name, String(value)]);
  }
  note(line: string): void {
    this.notes.push(line);
  }
  /** A failure that ends the experiment early (the stack could not be driven as the lab needs). */
  fail(name: string, err: unknown): void {
    this.check(name, false, err instanceof Error ? err.message : String(err));
  }
  get ok(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }
}

export interface Lab {
  id: number;
  slug: string;
  title: string;
  /** Workshop time, for the instructor's plan. */
  minutes: number;
  /** Performs the experiment against the running stack, fills the report, leaves the stack healthy. */
  verify(report: LabReport, log: (line: string) => void): Promise<void>;
}

export function formatReport(lab: Lab, report: LabReport, elapsedMs: number): string {
  const lines = [`lab ${lab.id} — ${lab.title}`];
  for (const c of report.checks)
    lines.push(`  ${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  if (report.figures.length > 0) {
    const w = Math.max(...report.figures.map(([k]) => k.length));
    lines.push('  figures:');
    for (const [k, v] of report.figures) lines.push(`    ${k.padEnd(w)}  ${v}`);
  }
  for (const n of report.notes) lines.push(`  note: ${n}`);
  lines.push(`${report.ok ? 'PASS' : 'FAIL'}: lab ${lab.id} (${(elapsedMs / 1000).toFixed(1)} s)`);
  return lines.join('\n');
}

export function labKafka(clientId = 'akaso-lab'): Kafka {
  // The services' Kafka settings (KAFKA_SECURITY_PROTOCOL…), so a lab runs against a secured cluster too.
  return createKafka(
    kafkaClientOptions(loadKafkaConfig('lab', labStack.brokers), { clientId, logLevel: 'nothing' }),
  );
}

/** The labs' admin and producer helpers are @akaso/kafka's (connect, run, disconnect). */
export { withAdmin, withProducer };

/** Lab topics live under `lab.`: provisioned like the pipeline's (RF 3, min ISR 2), never auto-created. */
export async function ensureLabTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  config: Record<string, string> = {},
): Promise<void> {
  if (!topic.startsWith('lab.')) throw new Error(`lab topics are named lab.*, got ${topic}`);
  await withAdmin(kafka, (admin) =>
    provisionTopics(admin, [
      { topic, partitions, replicationFactor: 3, config: { 'min.insync.replicas': '2', ...config } },
    ]),
  );
  // A new topic's leaders take a moment to reach every broker's metadata: wait until its offsets
  // can be listed, so the experiment's first request does not meet NOT_LEADER.
  await until(
    `${topic} to be ready on every broker`,
    () =>
      withAdmin(kafka, async (admin) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.length === partitions;
      }),
    30_000,
    500,
  );
}

export { sleep };

/** Polls until `fn` returns a truthy value; throws with the last error after the deadline. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
  );
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads `topic` from the given offsets (per partition) up to the high watermark each had when the
 * read began, with a throw-away group that commits nothing: what a new consumer would see.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { from?: Map<number, string>; partitions?: number[]; timeoutMs?: number } = {},
): Promise<ReadMessage[]> {
  const ends = await withAdmin(kafka, (a) => a.fetchTopicOffsets(topic));
  const targets = ends.filter(
    (o) =>
      (opts.partitions === undefined || opts.partitions.includes(o.partition)) &&
      BigInt(o.high) > BigInt(opts.from?.get(o.partition) ?? o.low),
  );
  if (targets.length === 0) return [];
  const out: ReadMessage[] = [];
  const consumer = kafka.consumer({
    groupId: `lab-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    allowAutoTopicCreation: false,
  });
  const pending = new Map(targets.map((o) => [o.partition, BigInt(o.high)]));
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = pending.get(partition);
        if (end === undefined) return;
        if (BigInt(message.offset) < end) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {}))
            if (v !== undefined) headers[k] = String(v);
          out.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers,
          });
        }
        if (BigInt(message.offset) + 1n >= end) {
          pending.delete(partition);
          if (pending.size === 0) resolveDone();
        }
      },
    });
    // Partitions with nothing to read are parked at their end, so no history is fetched for them.
    for (const o of ends) {
      const from = opts.from?.get(o.partition);
      consumer.seek({
        topic,
        partition: o.partition,
        offset: pending.has(o.partition) ? (from ?? o.low) : o.high,
      });
    }
    const timeout = opts.timeoutMs ?? 60_000;
    await Promise.race([
      done,
      sleep(timeout).then(() => {
        throw new Error(`reading ${topic} did not reach its end within ${timeout / 1000}s`);
      }),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** High watermarks per partition, to read only what an experiment adds after this point. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, string>> {
  const offsets = await withAdmin(kafka, (a) => a.fetchTopicOffsets(topic));
  return new Map(offsets.map((o) => [o.partition, o.high]));
}

export async function postOrder(
  body: OrderRequest,
  mode: 'async' | 'sync' = 'async',
): Promise<{ status: number; orderId: string | null; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${labStack.api}/orders${mode === 'sync' ? '?mode=sync' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { orderId?: string };
  return { status: res.status, orderId: json.orderId ?? null, ms: performance.now() - started };
}

export const labOrder = (userId: string, quantity = 1) => ({
  userId,
  email: `${userId}@lab.akaso.test`,
  items: [{ burgerId: 'classic', quantity }],
  paymentMethod: 'pm_card_visa',
});

export async function orderStatus(orderId: string): Promise<string> {
  const res = await fetch(`${labStack.api}/orders/${orderId}`);
  return ((await res.json()) as { status: string }).status;
}

export async function waitTerminal(orderId: string, timeoutMs = 60_000): Promise<string> {
  return until(
    `order ${orderId} to be confirmed or rejected`,
    async () => {
      const s = await orderStatus(orderId);
      return s === 'confirmed' || s === 'rejected' ? s : null;
    },
    timeoutMs,
  );
}

export const labId = () => Math.random().toString(36).slice(2, 10);
