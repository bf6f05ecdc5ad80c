import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupTopics, type OrderRequest, orderRef } from '@akaso/contracts';
import {
  type Admin,
  createKafka,
  type IHeaders,
  type Kafka,
  withAdmin as kafkaWithAdmin,
  withProducer as kafkaWithProducer,
  type Producer,
} from '@akaso/kafka';
import {
  type ChargeCall,
  chargesOf,
  mailKind,
  postgres,
  readChargeCalls,
  stackAddresses,
} from '@akaso/stack-client';
import pg from 'pg';

/**
 * Addresses of the local stack (@akaso/stack-client's topology, the one place ports are decided,
 * with AKASO_PORT_OFFSET applied); each is overridable to point the tests at another stack.
 */
export const stack = stackAddresses;

export const uniqueUser = (prefix = 'user') => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = Record<string, unknown>>(
  path: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${stack.api}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

export const order = (userId: string, over: Partial<OrderRequest> = {}): OrderRequest => ({
  userId,
  email: `${userId}@akaso.test`,
  items: [{ burgerId: 'classic', quantity: 1 }],
  paymentMethod: 'pm_card_visa',
  ...over,
});

export interface OrderView {
  orderId: string;
  status: string;
  reason: string | null;
  paymentIntentId: string | null;
  history: { status: string; reason: string | null }[];
}

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
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
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

const statusRank: Record<string, number> = { received: 0, reserved: 1, confirmed: 2, rejected: 2 };

/**
 * What the design guarantees of an order's status history, or why this one breaks it: it starts
 * `received`, only moves forward, and ends at `terminal`. Not more: `reserved` may be skipped,
 * because StockReserved and PaymentSucceeded travel on different topics and the payment may
 * overtake the reservation (services/order-api/src/orders/status.ts).
 */
export function statusPathViolation(statuses: string[], terminal: 'confirmed' | 'rejected'): string | null {
  const path = statuses.join(' → ');
  if (statuses[0] !== 'received') return `${path}: does not start at received`;
  if (statuses.at(-1) !== terminal) return `${path}: does not end at ${terminal}`;
  for (let i = 1; i < statuses.length; i++) {
    const [from, to] = [statusRank[statuses[i - 1] ?? ''], statusRank[statuses[i] ?? '']];
    if (from === undefined || to === undefined || to <= from) return `${path}: moves back or repeats`;
  }
  return null;
}

export async function waitForTerminal(orderId: string, timeoutMs = 30_000): Promise<OrderView> {
  return eventually(
    `order ${orderId} to reach a terminal state`,
    async () => {
      const res = await api<OrderView>(`/orders/${orderId}`);
      return res.body.status === 'confirmed' || res.body.status === 'rejected' ? res.body : null;
    },
    timeoutMs,
  );
}

export interface MailSummary {
  ID: string;
  Subject: string;
  To: { Address: string }[];
}

/** Messages in Mailpit whose subject mentions the order (its short reference, orderRef). */
export async function mailsFor(orderId: string): Promise<MailSummary[]> {
  const query = encodeURIComponent(`subject:"${orderRef(orderId)}"`);
  const res = await fetch(`${stack.mailpit}/api/v1/search?query=${query}&limit=200`);
  return ((await res.json()) as { messages: MailSummary[] }).messages;
}

/** How many mails Mailpit holds for the order, per kind: a duplicate mail would show here. */
export async function mailsByKind(orderId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await mailsFor(orderId)) out[mailKind(m.Subject)] = (out[mailKind(m.Subject)] ?? 0) + 1;
  return out;
}

export interface ProviderCharges {
  /** Every call that reached (or tried to reach) the card provider for the order. */
  calls: ChargeCall[];
  /** Each key is one charge on the card (see chargesOf in @akaso/stack-client). */
  chargedKeys: string[];
}

// This test process's calls: its orders are placed after it started (a minute's margin).
const testsSince = Date.now() - 60_000;

/** What reached the card provider for the given orders, as the stack's charge counter recorded it. */
export async function chargesAtProvider(orderIds: string[]): Promise<Map<string, ProviderCharges>> {
  const calls = await readChargeCalls(stack.charges, testsSince);
  const byOrder = new Map(orderIds.map((id) => [id, [] as ChargeCall[]]));
  for (const call of calls) if (call.orderId !== null) byOrder.get(call.orderId)?.push(call);
  return new Map(
    [...byOrder].map(([id, mine]) => [id, { calls: mine, chargedKeys: chargesOf(mine).charged }]),
  );
}

/** The same for one order. */
export async function chargesForOrder(orderId: string): Promise<ProviderCharges> {
  return (await chargesAtProvider([orderId])).get(orderId) ?? { calls: [], chargedKeys: [] };
}

export async function mailText(id: string): Promise<{ Text: string; HTML: string }> {
  return (await fetch(`${stack.mailpit}/api/v1/message/${id}`).then((r) => r.json())) as {
    Text: string;
    HTML: string;
  };
}

/** A direct connection to one service's database, to check effects (never to fake them). */
export async function withDb<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${stack.postgres}/${database}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function stock(): Promise<Record<string, number>> {
  const rows = (await fetch(`${stack.inventory}/stock`).then((r) => r.json())) as {
    id: string;
    stock: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.id, r.stock]));
}

/**
 * The internal endpoints' token: INTERNAL_API_TOKEN, or the one the local stack made
 * (scripts/stack/internal-token.ts writes it to <AKASO_DATA_DIR or .data>/internal-api-token).
 */
export function internalApiToken(): string {
  if (process.env.INTERNAL_API_TOKEN) return process.env.INTERNAL_API_TOKEN;
  const dataDir = process.env.AKASO_DATA_DIR ?? join(import.meta.dirname, '..', '..', '..', '.data');
  return readFileSync(join(dataDir, 'internal-api-token'), 'utf8').trim();
}

export async function setStock(ingredientId: string, value: number): Promise<void> {
  const res = await fetch(`${stack.inventory}/internal/stock/${ingredientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${internalApiToken()}` },
    body: JSON.stringify({ stock: value }),
  });
  if (!res.ok) throw new Error(`set stock ${ingredientId}: ${res.status}`);
}

/** Reads an SSE stream to its end (the server closes it at a terminal state). */
export async function readSse(
  path: string,
  timeoutMs = 30_000,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const res = await fetch(`${stack.api}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) throw new Error(`SSE ${path}: ${res.status}`);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const lines = block.split('\n');
      const event =
        lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = JSON.parse(
        lines
          .find((l) => l.startsWith('data:'))
          ?.slice(5)
          .trim() ?? '{}',
      ) as Record<string, unknown>;
      return { event, data };
    });
}

let kafkaClient: Kafka | null = null;
export function testKafka(): Kafka {
  kafkaClient ??= createKafka({ clientId: 'akaso-tests', brokers: stack.brokers, logLevel: 'nothing' });
  return kafkaClient;
}

/** Produces raw bytes (acks=all) and says where they landed. */
export async function produceRaw(
  producer: Producer,
  topic: string,
  key: string,
  value: Buffer | string,
  headers: IHeaders = {},
): Promise<{ partition: number; offset: string }> {
  const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
  if (!meta) throw new Error('no record metadata');
  return { partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? '0' };
}

export const withProducer = <T>(fn: (p: Producer) => Promise<T>): Promise<T> =>
  kafkaWithProducer(testKafka(), fn);

export const withAdmin = <T>(fn: (a: Admin) => Promise<T>): Promise<T> => kafkaWithAdmin(testKafka(), fn);

/** Waits until `groupId` has committed past `offset` on the partition: it has handled that message. */
export async function waitForCommitPast(
  groupId: string,
  topic: string,
  partition: number,
  offset: string,
  timeoutMs = 30_000,
) {
  await withAdmin((admin) =>
    eventually(
      `${groupId} to commit past ${topic}[${partition}]@${offset}`,
      async () => {
        const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const p = t?.partitions.find((x) => x.partition === partition);
        return p !== undefined && BigInt(p.offset) > BigInt(offset);
      },
      timeoutMs,
    ),
  );
}

/** Each partition's end offset, by "topic:partition", for every topic a consumer group reads. */
async function pipelineEnds(admin: Admin): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of new Set(Object.values(groupTopics).flat())) {
    for (const o of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${o.partition}`, BigInt(o.high));
  }
  return ends;
}

/** Why the pipeline is not drained at this moment, or null once it is (see waitForDrained). */
async function notDrained(admin: Admin): Promise<string | null> {
  const ends = await pipelineEnds(admin);
  for (const [groupId, read] of Object.entries(groupTopics)) {
    for (const t of await admin.fetchOffsets({ groupId, topics: [...read] })) {
      for (const p of t.partitions) {
        const end = ends.get(`${t.topic}:${p.partition}`) ?? 0n;
        const committed = BigInt(p.offset) < 0n ? 0n : BigInt(p.offset);
        if (committed < end) return `${groupId} lags ${end - committed} on ${t.topic}[${p.partition}]`;
      }
    }
  }
  for (const database of postgres.databases) {
    const waiting = await withDb(database, async (c) => {
      const { rows } = await c.query<{ has: boolean }>("select to_regclass('outbox') is not null as has");
      if (!rows[0]?.has) return 0; // a service that publishes nothing (email)
      const unpublished = await c.query<{ n: number }>(
        'select count(*)::int as n from outbox where published_at is null',
      );
      return unpublished.rows[0]?.n ?? 0;
    });
    if (waiting > 0) return `${waiting} events wait in the ${database} outbox`;
  }
  // Handling the last messages may have published more (its outbox rows, relayed since).
  const again = await pipelineEnds(admin);
  for (const [partition, end] of again)
    if (ends.get(partition) !== end) return `new messages on ${partition}`;
  return null;
}

/**
 * Waits until the pipeline has drained: every consumer group has committed to the end of each
 * topic it reads, no event waits in a service's outbox, and no message arrived meanwhile. A group
 * commits only after a message's effects are durable (a mail after the SMTP server took it, a
 * charge after the provider answered), so an effect still on its way shows here as a lag or an
 * unpublished row: a "no duplicate" check made after this is final, where one made after a
 * fixed sleep only hopes so. Fails with what was still moving when `timeoutMs` runs out.
 */
export async function waitForDrained(timeoutMs = 60_000): Promise<void> {
  await withAdmin((admin) =>
    eventually(
      'the pipeline to drain',
      async () => {
        const why = await notDrained(admin);
        if (why) throw new Error(why);
        return true;
      },
      timeoutMs,
    ),
  );
}
