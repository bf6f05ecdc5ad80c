import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AnyEvent } from '@akaso/contracts';
import type { Pool } from '@akaso/db';
import { retryWhileTransient } from '@akaso/kafka';
import { withClientSpan } from '@akaso/observability';
import addressparser from 'nodemailer/lib/addressparser';
import { composeMail } from './mime.ts';
import { type Refusal, refusalOf, refusalVerdict } from './refusal.ts';
import type { SmtpPool } from './smtp-pool.ts';
import { type Mail, mailFor } from './templates.ts';

/**
 * Another live owner holds the claim on a mail past the wait: the consumer backs off and retries
 * (by then the mail is sent and the retry does nothing, or the claim has run out and is ours).
 */
export class ClaimedElsewhereError extends Error {
  readonly code = 'EMAIL_CLAIMED_ELSEWHERE';
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'ClaimedElsewhereError';
  }
}

/**
 * The SMTP server refused a mail for its recipient. Retriable while the refusal is temporary and
 * younger than its bound; past it, or permanent (5xx), not: the consumer dead-letters the mail
 * with this message, the server's answer included.
 */
export class RecipientRefusedError extends Error {
  readonly code = 'SMTP_RECIPIENT_REFUSED';
  readonly dependency = 'smtp';
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecipientRefusedError';
    this.retriable = retriable;
  }
}

interface Wanted {
  key: string;
  orderId: string;
  mail: Mail;
}

/**
 * Exactly one email per (order, kind), even when events are redelivered, replayed, or their
 * partition moves to another instance mid-send: the (order, kind) row is claimed in a committed
 * statement BEFORE sending, in this process's name and for a lease, and marked sent after.
 *
 * - A redelivery finds the row sent and does nothing.
 * - A claim held by another live owner is never taken: in a graceful rebalance the previous
 *   owner is still sending what the new one re-reads from the committed offset. The new owner
 *   does not skip such a mail either (the other might still die before sending it): it waits
 *   until the row is sent or the lease has run out, then takes it.
 * - A lease outlasts any send (latency + the SMTP pool's send timeout, checked at start-up), so
 *   only an owner that died loses its claims. Mails are claimed in waves of `concurrency`, all
 *   sent at once, so none waits for a free slot while its lease runs.
 * - One window is left: the owner dies (or the database stays away past the lease) after the SMTP
 *   server accepted a mail and before "sent" was written; the claim runs out and the mail goes
 *   again. Its Message-ID is derived from (order, kind), so a receiving system can drop that
 *   duplicate.
 *
 * A wave costs two statements (claim, mark sent) whatever its size; a refusal costs one more.
 */
export function createEmailService(deps: {
  pool: Pool;
  smtp: Pick<SmtpPool, 'send'>;
  from: string;
  latencyMs: number;
  /** Mails in flight at once (waiting out the latency, or on one of the pool's connections). */
  concurrency: number;
  /** The SMTP pool's bound on one send. */
  sendTimeoutMs: number;
  /** How long a claim stays ours; must outlast latencyMs + sendTimeoutMs. */
  leaseMs: number;
  /** A recipient refused (4xx) for longer than this is dead-lettered. */
  refusedMaxMs: number;
  /** The owner named on this process's claims; one per process. */
  instanceId?: string;
  /** Between two looks at mails another owner holds. */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per mail the SMTP server accepted (the dashboard's funnel counts them). */
  onSent?: (kind: string) => void;
}) {
  const { pool } = deps;
  // The SMTP envelope wants the bare address ("Akaso Burger <orders@…>" is the From header's).
  const parsed = addressparser(deps.from, { flatten: true })[0];
  if (!parsed?.address) throw new Error(`MAIL_FROM has no address: ${deps.from}`);
  const envelopeFrom = parsed.address;
  if (deps.leaseMs <= deps.latencyMs + deps.sendTimeoutMs)
    throw new Error(
      `EMAIL_CLAIM_LEASE_MS (${deps.leaseMs}) must be longer than SMTP_LATENCY_MS + SMTP_SEND_TIMEOUT_MS ` +
        `(${deps.latencyMs} + ${deps.sendTimeoutMs}): a claim that runs out mid-send lets another instance send the mail again`,
    );
  const owner = deps.instanceId ?? randomUUID();
  const pollMs = deps.pollMs ?? 250;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  // (order, kind) this process is claiming or sending right now. Its own claims are its to take
  // again (a retry after a failed send); these are not: another handler call has them in hand
  // (the same partition, revoked and assigned back, re-read before the first call finished).
  const inHand = new Set<string>();

  async function send(orderId: string, mail: Mail): Promise<string> {
    if (deps.latencyMs > 0) await delay(deps.latencyMs);
    const messageId = `<${orderId}.${mail.kind}@akaso-burger.example>`;
    // The message is composed into one buffer first (mime.ts): piped as a stream it left in
    // hundreds of small socket writes per mail (--cpu-prof under a rush).
    const raw = composeMail({
      from: deps.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId,
      headers: { 'X-Akaso-Order-Id': orderId, 'X-Akaso-Mail-Kind': mail.kind },
    });
    // nodemailer has no instrumentation: a client span in the order's trace (observability).
    await withClientSpan(
      'smtp send',
      { 'akaso.mail.kind': mail.kind, 'akaso.order_id': orderId },
      orderId,
      () => deps.smtp.send({ from: envelopeFrom, to: [mail.to] }, raw),
    );
    return messageId;
  }

  /** Claims what it can of `wave`: ours to send now, done already, or held by a live owner. */
  async function claim(wave: Wanted[]): Promise<{ mine: Wanted[]; held: Wanted[] }> {
    const { rows } = await pool.query<{ order_id: string; kind: string; mine: boolean; sent: boolean }>(
      `with wanted as (
         select * from jsonb_to_recordset($1::jsonb) as r(order_id uuid, kind text, recipient text)
       ), claimed as (
         insert into sent_emails (order_id, kind, recipient, status, claimed_by, lease_expires_at)
           select order_id, kind, recipient, 'sending', $2, now() + make_interval(secs => $3::float8 / 1000)
             from wanted
         on conflict (order_id, kind) do update
           set claimed_by = excluded.claimed_by, lease_expires_at = excluded.lease_expires_at
           where sent_emails.status = 'sending'
             and (sent_emails.claimed_by = excluded.claimed_by
                  or coalesce(sent_emails.lease_expires_at, '-infinity') <= now())
         returning order_id, kind
       )
       select w.order_id, w.kind, c.order_id is not null as mine,
              exists (select 1 from sent_emails s
                       where s.order_id = w.order_id and s.kind = w.kind and s.status = 'sent') as sent
         from wanted w left join claimed c on c.order_id = w.order_id and c.kind = w.kind`,
      [
        JSON.stringify(wave.map((w) => ({ order_id: w.orderId, kind: w.mail.kind, recipient: w.mail.to }))),
        owner,
        deps.leaseMs,
      ],
    );
    const byKey = new Map(wave.map((w) => [w.key, w]));
    const mine: Wanted[] = [];
    const held: Wanted[] = [];
    for (const r of rows) {
      const w = byKey.get(`${r.order_id}/${r.kind}`);
      if (!w) continue;
      if (r.mine) mine.push(w);
      // Not ours and not seen sent (it may have been sent a moment ago): look again later.
      else if (!r.sent) held.push(w);
    }
    return { mine, held };
  }

  /** Sends what `wave` holds for us, records it; returns what was sent and what others hold. */
  async function sendWave(
    wave: Wanted[],
    ctx: { heartbeat?: () => Promise<void> },
  ): Promise<{ sent: number; held: Wanted[] }> {
    const held = wave.filter((w) => inHand.has(w.key));
    const free = wave.filter((w) => !inHand.has(w.key));
    if (free.length === 0) return { sent: 0, held };
    for (const w of free) inHand.add(w.key);
    try {
      const claimed = await claim(free);
      held.push(...claimed.held);
      const results = await Promise.all(
        claimed.mine.map(
          async (w): Promise<{ w: Wanted; messageId: string } | { w: Wanted; err: unknown }> => {
            try {
              return { w, messageId: await send(w.orderId, w.mail) };
            } catch (err) {
              return { w, err };
            }
          },
        ),
      );
      const sent: { order_id: string; kind: string; message_id: string }[] = [];
      const refused: { w: Wanted; refusal: Refusal; err: unknown }[] = [];
      let failure: unknown = null;
      for (const r of results) {
        if ('messageId' in r)
          sent.push({ order_id: r.w.orderId, kind: r.w.mail.kind, message_id: r.messageId });
        else {
          const refusal = refusalOf(r.err);
          if (refusal) refused.push({ w: r.w, refusal, err: r.err });
          else failure ??= r.err;
        }
      }
      if (sent.length > 0) {
        // The SMTP server has these mails: wait for the database to record them (a PostgreSQL
        // restart right now would otherwise have them claimed and sent again on the retry).
        await retryWhileTransient(
          () =>
            pool.query(
              `update sent_emails s set status = 'sent', message_id = r.message_id, sent_at = now()
                 from jsonb_to_recordset($1::jsonb) as r(order_id uuid, kind text, message_id text)
                where s.order_id = r.order_id and s.kind = r.kind`,
              [JSON.stringify(sent)],
            ),
          ctx,
        );
        for (const s of sent) deps.onSent?.(s.kind);
      }
      // The SMTP server is down: what went out is recorded; the consumer retries the rest.
      if (failure) throw failure;
      if (refused.length > 0) await refuse(refused);
      return { sent: sent.length, held };
    } finally {
      for (const w of free) inHand.delete(w.key);
    }
  }

  /**
   * Refused mails: their claims are released (nothing went out) and the first refusal kept, then
   * the batch fails, after the others were sent and recorded. A refusal past its bound fails it
   * for good: the consumer isolates the mail (one at a time, the others are no-ops by then) and
   * dead-letters it with this error. Otherwise the refusal itself goes up, to be retried.
   */
  async function refuse(refused: { w: Wanted; refusal: Refusal; err: unknown }[]): Promise<never> {
    const { rows } = await pool.query<{ order_id: string; kind: string; refused_for_ms: number }>(
      `update sent_emails s
          set refused_since = coalesce(s.refused_since, now()), last_error = r.reply,
              claimed_by = null, lease_expires_at = null
         from jsonb_to_recordset($1::jsonb) as r(order_id uuid, kind text, reply text)
        where s.order_id = r.order_id and s.kind = r.kind and s.status = 'sending'
        returning s.order_id, s.kind,
                  (extract(epoch from now() - s.refused_since) * 1000)::float8 as refused_for_ms`,
      [
        JSON.stringify(
          refused.map((r) => ({ order_id: r.w.orderId, kind: r.w.mail.kind, reply: r.refusal.reply })),
        ),
      ],
    );
    const refusedFor = new Map(rows.map((r) => [`${r.order_id}/${r.kind}`, r.refused_for_ms]));
    const given = refused.filter(
      (r) => refusalVerdict(r.refusal, refusedFor.get(r.w.key) ?? 0, deps.refusedMaxMs) === 'dead-letter',
    );
    const about = (rs: typeof refused) =>
      rs
        .map((r) => `${r.w.mail.kind} for order ${r.w.orderId} to ${r.w.mail.to}: ${r.refusal.reply}`)
        .join('; ');
    if (given.length > 0)
      throw new RecipientRefusedError(`the SMTP server refused ${about(given)}`, false, {
        cause: given[0]?.err,
      });
    throw new RecipientRefusedError(`the SMTP server refuses for now ${about(refused)}`, true, {
      cause: refused[0]?.err,
    });
  }

  /** Sends the mails these events call for; returns how many went out now. */
  async function apply(
    events: readonly AnyEvent[],
    ctx: { heartbeat?: () => Promise<void> } = {},
  ): Promise<number> {
    const wanted = new Map<string, Wanted>();
    for (const event of events) {
      const mail = mailFor(event);
      const key = mail ? `${event.orderId}/${mail.kind}` : '';
      if (mail) wanted.set(key, { key, orderId: event.orderId, mail });
    }
    let pending = [...wanted.values()];
    let sent = 0;
    // A claim runs out a lease after it was taken: past that, what another owner held is ours.
    const giveUpAt = now() + deps.leaseMs + pollMs;
    for (;;) {
      const held: Wanted[] = [];
      for (let i = 0; i < pending.length; i += deps.concurrency) {
        const wave = await sendWave(pending.slice(i, i + deps.concurrency), ctx);
        sent += wave.sent;
        held.push(...wave.held);
      }
      if (held.length === 0) return sent;
      if (now() >= giveUpAt)
        throw new ClaimedElsewhereError(
          `${held.length} mail(s) still claimed by another instance after ${deps.leaseMs} ms, e.g. ${held[0]?.key}`,
        );
      await sleep(pollMs);
      await ctx.heartbeat?.().catch(() => {});
      pending = held;
    }
  }

  /** One event (the synchronous baseline's internal call). */
  async function handle(event: AnyEvent): Promise<{ sent: boolean }> {
    return { sent: (await apply([event])) > 0 };
  }

  return { apply, handle, instanceId: owner };
}

export type EmailService = ReturnType<typeof createEmailService>;
