import { allTopics, dlqTopic, orderRef } from '@akaso/contracts';
import { createKafka, kafkaClientOptions, loadKafkaConfig, withAdmin } from '@akaso/kafka';
import { type ChargeCall, chargesOf, mailKind, readChargeCalls } from '@akaso/stack-client/records';
import pg from 'pg';
import { type AuditCheck, auditChecks } from './audit-checks.ts';

/**
 * Checks a finished run against the databases, the topics and the SMTP sink. Nothing lost,
 * nothing doubled:
 *  - every accepted order reached a terminal state (confirmed or rejected);
 *  - exactly one successful payment per confirmed order, none for a rejected one, both in the
 *    payment service's table and at the card provider (the charges that reached it, counted per
 *    idempotency key by the stack's charge counter: a second key is a second charge);
 *  - exactly one confirmation and one receipt per confirmed order, one rejection per rejected one,
 *    as received by the SMTP sink;
 *  - no user above the limit in any rolling window;
 *  - what is in the dead-letter topics.
 */
export interface AuditOptions {
  /** The run's users are `rush-<runId>-<n>`. */
  runId: string;
  postgresUrl: string;
  mailpitUrl: string;
  brokers: string[];
  /**
   * How to reach the brokers (TLS, SASL): a service passes its validated configuration; absent,
   * they are read from this process's environment (KAFKA_SECURITY_PROTOCOL…), as a script does.
   */
  kafka?: Parameters<typeof kafkaClientOptions>[0];
  /**
   * The charge counter in front of the card provider (scripts/stack/charge-counter.ts). Given,
   * the audit holds every order to its charges at the provider and fails if it cannot read them;
   * absent (compose has no counter), only the payment service's own table is checked.
   */
  chargesUrl?: string;
  /** How long to wait for the pipeline to finish in-flight orders. */
  drainTimeoutMs?: number;
  limit?: number;
  windowHours?: number;
  log?(line: string): void;
}

export interface AuditReport {
  runId: string;
  /** No violation and everything drained. */
  ok: boolean;
  /** What the run got wrong: lost, doubled, over the limit. Never "not yet". */
  violations: string[];
  /** The verdict check by check, with its figures; a check that could not run says it was skipped. */
  checks: AuditCheck[];
  /**
   * Not wrong, only not finished within the drain budget: "still draining after N s: X orders
   * not terminal, Y mails not received". null once everything arrived.
   */
  stillDraining: string | null;
  orders: {
    accepted: number;
    confirmed: number;
    rejected: number;
    pending: number;
    mode: Record<string, number>;
  };
  payments: { succeeded: number; failed: number };
  /** What reached the card provider for the run's orders; null when not counted (no chargesUrl). */
  provider: ProviderChargeSummary | null;
  emails: { confirmation: number; receipt: number; rejection: number };
  /** Accepted → confirmation email received by the SMTP sink, per confirmed order. */
  endToEndMs: { p50: number; p99: number; max: number; count: number };
  dlq: Record<string, number>;
  drainedInMs: number;
  /**
   * When everything was done (epoch ms): the last order's terminal update or the last mail
   * received, whichever came later. Null while still draining.
   */
  settledAt: number | null;
  /** The last accepted order's creation (epoch ms): where "drained after the last arrival" counts from. */
  lastArrivalAt: number | null;
}

export interface ProviderChargeSummary {
  /** Calls that reached, or tried to reach, the card provider. */
  calls: number;
  /** Distinct charges: idempotency keys the provider answered with success (a call without a key is a charge of its own). */
  charges: number;
  /** Repeated calls under a key that had already charged: the provider returns the first PaymentIntent. */
  deduplicated: number;
  /** Calls that found the provider unreachable (nothing charged) or whose answer was lost (maybe charged). */
  unreachable: number;
  lost: number;
}

/**
 * Holds each order to the charges that reached the provider (what a charge is: chargesOf): a
 * confirmed order exactly one, a rejected one none, and no call whose answer was lost under a
 * key of its own (a possible second charge).
 */
export function checkProviderCharges(
  orders: { id: string; status: string }[],
  calls: ChargeCall[],
): { violations: string[]; summary: ProviderChargeSummary } {
  const byOrder = new Map<string, ChargeCall[]>();
  for (const call of calls) {
    if (call.orderId === null) continue;
    byOrder.set(call.orderId, [...(byOrder.get(call.orderId) ?? []), call]);
  }
  const violations: string[] = [];
  const summary: ProviderChargeSummary = { calls: 0, charges: 0, deduplicated: 0, unreachable: 0, lost: 0 };
  for (const order of orders) {
    const mine = byOrder.get(order.id) ?? [];
    const { charged, maybe, deduplicated } = chargesOf(mine);
    summary.calls += mine.length;
    summary.charges += charged.length;
    summary.deduplicated += deduplicated;
    summary.unreachable += mine.filter((c) => c.outcome === 'unreachable').length;
    summary.lost += mine.filter((c) => c.outcome === 'lost').length;
    const keys = (list: string[]) => list.join(', ');
    if (order.status === 'confirmed') {
      if (charged.length !== 1)
        violations.push(
          `confirmed order ${order.id}: ${charged.length} charges at the provider${charged.length > 1 ? ` (keys ${keys(charged)})` : ''}`,
        );
      else if (maybe.length > 0)
        violations.push(
          `confirmed order ${order.id}: charged under ${keys(charged)}, and maybe again under ${keys(maybe)} (answer lost)`,
        );
    } else if (order.status === 'rejected') {
      if (charged.length > 0)
        violations.push(`rejected order ${order.id}: charged at the provider (keys ${keys(charged)})`);
      else if (maybe.length > 0)
        violations.push(
          `rejected order ${order.id}: maybe charged at the provider under ${keys(maybe)} (answer lost)`,
        );
    }
  }
  return { violations, summary };
}

/**
 * Math.min or Math.max over a list of any length: spread into one call, a list as long as the
 * bench's API-alone run overflows the call stack.
 */
export const extreme = (f: (...xs: number[]) => number, xs: number[]): number =>
  xs.reduce((acc, x) => f(acc, x), f());

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

interface MailSummary {
  ID: string;
  Subject: string;
  To: { Address: string }[];
  Created: string;
}

/**
 * The run's messages in the SMTP sink: Mailpit's list, newest first, read back to the run's
 * start and kept by recipient. Not its search, which scans every stored message (slower with every
 * mail a workshop machine keeps): paged every second while mails still
 * arrived, it made the sink the stack's largest CPU user during a bench and slowed the very drain
 * it waited for. Mails that arrive while paging shift the pages: keyed by message id.
 */
async function runMails(mailpitUrl: string, runId: string, sinceMs: number): Promise<MailSummary[]> {
  const prefix = `rush-${runId}-`;
  const out = new Map<string, MailSummary>();
  const pageSize = 1000;
  for (let start = 0; ; start += pageSize) {
    const page = (await fetch(`${mailpitUrl}/api/v1/messages?start=${start}&limit=${pageSize}`).then((r) =>
      r.json(),
    )) as { messages: MailSummary[] };
    let older = false;
    for (const m of page.messages) {
      if (new Date(m.Created).getTime() < sinceMs) older = true;
      else if (m.To.some((t) => t.Address.startsWith(prefix))) out.set(m.ID, m);
    }
    if (older || page.messages.length < pageSize) break;
  }
  return [...out.values()];
}

/**
 * Messages in each dead-letter topic (end minus start offset). A case that must dead-letter
 * nothing compares two of these.
 */
export async function deadLetterCounts(
  brokers: string[],
  kafkaSettings?: AuditOptions['kafka'],
): Promise<Record<string, number>> {
  // These brokers, reached with the pipeline's Kafka security settings (KAFKA_SECURITY_PROTOCOL…).
  const settings = {
    ...(kafkaSettings ?? loadKafkaConfig('audit', brokers)),
    KAFKA_BROKERS: brokers.join(','),
  };
  const kafka = createKafka(kafkaClientOptions(settings, { clientId: 'akaso-audit', logLevel: 'nothing' }));
  return withAdmin(kafka, async (admin) => {
    const dlq: Record<string, number> = {};
    for (const topic of allTopics) {
      const offsets = await admin.fetchTopicOffsets(dlqTopic(topic));
      dlq[dlqTopic(topic)] = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    }
    return dlq;
  });
}

/** What a dead-letter topic gained between two counts (only those that grew). */
export const deadLettersAdded = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([t, n]) => [t, n - (before[t] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

export async function auditRun(opts: AuditOptions): Promise<AuditReport> {
  const log = opts.log ?? (() => {});
  const db = (name: string) => `${opts.postgresUrl}/${name}`;
  const userPattern = `rush-${opts.runId}-%`;
  // Each check's findings apart, so the verdict can say which check failed.
  const found = {
    payments: [] as string[],
    provider: [] as string[],
    emails: [] as string[],
    quota: [] as string[],
  };
  const started = Date.now();

  // 1. Wait for the pipeline to bring every accepted order to a terminal state.
  let pending = Number.POSITIVE_INFINITY;
  while (Date.now() - started < (opts.drainTimeoutMs ?? 60_000)) {
    const [row] = await query<{ n: number }>(
      db('order_api'),
      `select count(*)::int n from orders where user_id like $1 and status not in ('confirmed', 'rejected')`,
      [userPattern],
    );
    pending = row?.n ?? 0;
    if (pending === 0) break;
    log(`audit: ${pending} orders still in flight…`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  let drainedInMs = Date.now() - started;
  const orders = await query<{
    id: string;
    user_id: string;
    status: string;
    mode: string;
    burgers: number;
    created_at: Date;
    updated_at: Date;
    email: string;
  }>(
    db('order_api'),
    'select id, user_id, status, mode, burgers, created_at, updated_at, email from orders where user_id like $1',
    [userPattern],
  );
  const confirmed = orders.filter((o) => o.status === 'confirmed');
  const rejected = orders.filter((o) => o.status === 'rejected');
  // Orders not yet terminal are in flight (their events wait in Kafka or the outbox), not lost.
  const inFlight = orders.filter((x) => x.status !== 'confirmed' && x.status !== 'rejected');

  // 2. Payments: one success per confirmed order, none for the rejected.
  const ids = orders.map((o) => o.id);
  const payments = await query<{ order_id: string; status: string; n: number }>(
    db('payment'),
    'select order_id, status, count(*)::int n from payments where order_id = any($1::uuid[]) group by order_id, status',
    [ids],
  );
  const succeeded = new Map<string, number>();
  for (const p of payments) if (p.status === 'succeeded') succeeded.set(p.order_id, p.n);
  for (const o of confirmed) {
    const n = succeeded.get(o.id) ?? 0;
    if (n !== 1) found.payments.push(`confirmed order ${o.id} has ${n} successful payments`);
  }
  for (const o of rejected)
    if (succeeded.has(o.id)) found.payments.push(`rejected order ${o.id} has a successful payment`);
  // …and at the card provider, where a double charge would really cost.
  let provider: ProviderChargeSummary | null = null;
  if (opts.chargesUrl !== undefined) {
    try {
      // A charge follows its order's creation: the run's calls are those since its first order.
      const since =
        extreme(
          Math.min,
          orders.map((o) => o.created_at.getTime()),
        ) - 5_000;
      // (No order, no call to read: the first order's time would be +Infinity.)
      const calls = orders.length === 0 ? [] : await readChargeCalls(opts.chargesUrl, since);
      const checked = checkProviderCharges(orders, calls);
      found.provider.push(...checked.violations);
      provider = checked.summary;
    } catch (err) {
      found.provider.push(`could not read the charges that reached the provider: ${(err as Error).message}`);
    }
  }

  // 3. Emails as the SMTP sink received them (subject names the order's first 8 characters).
  // Mails come after the terminal state (the email group may still be catching up): wait for
  // the expected number, within the same drain budget, then judge.
  const expectedMails = confirmed.length * 2 + rejected.length;
  // Waiting is counted in the email service's own log (mails the SMTP server accepted): cheap,
  // where polling the sink is not. The sink is then read once, and judged.
  const sentMails = async () =>
    (
      await query<{ n: number }>(
        db('email'),
        `select count(*)::int n from sent_emails where order_id = any($1::uuid[]) and status = 'sent'`,
        [ids],
      )
    )[0]?.n ?? 0;
  let sent = await sentMails();
  while (sent < expectedMails && Date.now() - started < (opts.drainTimeoutMs ?? 60_000)) {
    log(`audit: ${sent}/${expectedMails} emails sent…`);
    await new Promise((r) => setTimeout(r, 1_000));
    sent = await sentMails();
  }
  // The run's mails are newer than its first order (slack for the clocks' rounding).
  const firstOrderAt = extreme(
    Math.min,
    orders.map((o) => o.created_at.getTime()),
  );
  let mails = await runMails(opts.mailpitUrl, opts.runId, firstOrderAt - 5_000);
  // A mail is recorded as sent once the SMTP server accepted it; give the sink a moment anyway.
  for (let i = 0; i < 5 && mails.length < expectedMails && mails.length < sent; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    mails = await runMails(opts.mailpitUrl, opts.runId, firstOrderAt - 5_000);
  }
  const counts = new Map<string, number>();
  const confirmationAt = new Map<string, number>();
  const byShort = new Map<string, string[]>();
  for (const o of orders)
    byShort.set(`${o.email}|${orderRef(o.id)}`, [
      ...(byShort.get(`${o.email}|${orderRef(o.id)}`) ?? []),
      o.id,
    ]);
  for (const m of mails) {
    const short = /order ([0-9a-f]{8})/.exec(m.Subject)?.[1];
    const candidates = byShort.get(`${m.To[0]?.Address}|${short}`) ?? [];
    if (candidates.length !== 1) {
      found.emails.push(`email "${m.Subject}" to ${m.To[0]?.Address} matches ${candidates.length} orders`);
      continue;
    }
    const key = `${candidates[0]}|${mailKind(m.Subject)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (mailKind(m.Subject) === 'confirmation')
      confirmationAt.set(candidates[0] ?? '', new Date(m.Created).getTime());
  }
  // A second mail is a violation; a missing one is only late while mails are still arriving.
  let missingMails = 0;
  const complete = mails.length >= expectedMails;
  const expectOne = (o: { id: string }, kind: string) => {
    const n = counts.get(`${o.id}|${kind}`) ?? 0;
    if (n > 1 || (n === 0 && complete)) found.emails.push(`order ${o.id}: ${n} ${kind} emails`);
    else if (n === 0) missingMails++;
  };
  for (const o of confirmed) {
    expectOne(o, 'confirmation');
    expectOne(o, 'receipt');
  }
  for (const o of rejected) expectOne(o, 'rejection');
  drainedInMs = Date.now() - started;
  // When the work itself ended, from the data rather than this audit's polling (1 s apart, then
  // reading every mail back): the last order's terminal update, or the last mail received.
  const settledAt =
    inFlight.length > 0 || missingMails > 0
      ? null
      : extreme(Math.max, [
          ...orders.map((o) => o.updated_at.getTime()),
          ...mails.map((m) => new Date(m.Created).getTime()),
        ]);
  const e2e = confirmed
    .map((o) => (confirmationAt.get(o.id) ?? Number.NaN) - o.created_at.getTime())
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);

  // 4. The rule: no user above the limit in any rolling window (rejected orders do not count).
  const limit = opts.limit ?? 5;
  const windowHours = opts.windowHours ?? 24;
  const over = await query<{ user_id: string; id: string; total: number }>(
    db('order_api'),
    `select a.user_id, a.id, sum(b.burgers)::int total
       from orders a join orders b on b.user_id = a.user_id and b.status <> 'rejected'
        and b.created_at <= a.created_at and b.created_at > a.created_at - make_interval(hours => $2)
      where a.user_id like $1 and a.status <> 'rejected'
      group by a.user_id, a.id having sum(b.burgers) > $3`,
    [userPattern, windowHours, limit],
  );
  for (const row of over)
    found.quota.push(
      `user ${row.user_id} had ${row.total} burgers within ${windowHours} h (order ${row.id})`,
    );

  // 5. Dead-letter topics: list what is there (poison messages are not lost, they wait for a replay).
  const dlq = await deadLetterCounts(opts.brokers, opts.kafka);
  const violations = [...found.payments, ...found.provider, ...found.emails, ...found.quota];

  const mode: Record<string, number> = {};
  for (const o of orders) mode[o.mode] = (mode[o.mode] ?? 0) + 1;
  const stillDraining =
    inFlight.length > 0 || missingMails > 0
      ? `still draining after ${Math.round(drainedInMs / 1000)} s: ${inFlight.length} orders not terminal, ${missingMails} mails not received`
      : null;
  const paymentFigures = {
    succeeded: [...succeeded.values()].reduce((a, b) => a + b, 0),
    failed: payments.filter((p) => p.status === 'failed').reduce((a, p) => a + p.n, 0),
  };
  const mailsOf = (kind: string) =>
    [...counts.entries()].filter(([k]) => k.endsWith(`|${kind}`)).reduce((a, [, n]) => a + n, 0);
  const emails = {
    confirmation: mailsOf('confirmation'),
    receipt: mailsOf('receipt'),
    rejection: mailsOf('rejection'),
  };
  const noCharges = { calls: 0, charges: 0, deduplicated: 0, unreachable: 0, lost: 0 };
  const checks = auditChecks({
    orders: {
      accepted: orders.length,
      confirmed: confirmed.length,
      rejected: rejected.length,
      notTerminal: inFlight.length,
    },
    payments: { ...paymentFigures, violations: found.payments },
    provider:
      opts.chargesUrl === undefined ? null : { ...(provider ?? noCharges), violations: found.provider },
    emails: { ...emails, missing: missingMails, violations: found.emails },
    quota: { limit, windowHours, violations: found.quota },
    dlq,
  });
  return {
    runId: opts.runId,
    ok: violations.length === 0 && stillDraining === null,
    violations,
    checks,
    stillDraining,
    orders: {
      accepted: orders.length,
      confirmed: confirmed.length,
      rejected: rejected.length,
      pending,
      mode,
    },
    payments: paymentFigures,
    provider,
    emails,
    endToEndMs: {
      p50: percentile(e2e, 50),
      p99: percentile(e2e, 99),
      max: e2e.at(-1) ?? 0,
      count: e2e.length,
    },
    dlq,
    drainedInMs,
    settledAt,
    lastArrivalAt:
      orders.length > 0
        ? extreme(
            Math.max,
            orders.map((o) => o.created_at.getTime()),
          )
        : null,
  };
}
