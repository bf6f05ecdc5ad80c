import type { AnyEvent } from '@akaso/contracts';
import type { Pool } from '@akaso/db';
import { retryWhileTransient } from '@akaso/kafka';
import { withClientSpan } from '@akaso/observability';
import addressparser from 'nodemailer/lib/addressparser';
import { composeMail } from './mime.ts';
import type { SmtpPool } from './smtp-pool.ts';
import { type Mail, mailFor } from './templates.ts';

/**
 * Exactly one email per (order, kind), even when events are redelivered or replayed: the
 * (order, kind) rows are claimed in a committed statement BEFORE sending and marked sent after.
 * A redelivery finds them sent and does nothing. The one window left — a crash after the SMTP
 * server accepted a mail but before "sent" was written — resends once, on recovery; the
 * Message-ID is derived from (order, kind) so a receiving system can drop that duplicate.
 *
 * A batch costs two statements (claim, mark sent) whatever its size; the mails go out over the
 * pool's connections at once.
 */
export function createEmailService(deps: {
  pool: Pool;
  smtp: Pick<SmtpPool, 'send'>;
  from: string;
  latencyMs: number;
  /** Mails in flight at once (waiting out the latency, or on one of the pool's connections). */
  concurrency: number;
  /** Called once per mail the SMTP server accepted (the dashboard's funnel counts them). */
  onSent?: (kind: string) => void;
}) {
  const { pool } = deps;
  // The SMTP envelope wants the bare address ("Akaso Burger <orders@…>" is the From header's).
  const parsed = addressparser(deps.from, { flatten: true })[0];
  if (!parsed?.address) throw new Error(`MAIL_FROM has no address: ${deps.from}`);
  const envelopeFrom = parsed.address;

  async function send(orderId: string, mail: Mail): Promise<string> {
    if (deps.latencyMs > 0) await new Promise((r) => setTimeout(r, deps.latencyMs));
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

  /** Sends the mails these events call for; returns how many went out now. */
  async function apply(
    events: readonly AnyEvent[],
    ctx: { heartbeat?: () => Promise<void> } = {},
  ): Promise<number> {
    const wanted = new Map<string, { orderId: string; mail: Mail }>();
    for (const event of events) {
      const mail = mailFor(event);
      if (mail) wanted.set(`${event.orderId}/${mail.kind}`, { orderId: event.orderId, mail });
    }
    if (wanted.size === 0) return 0;
    const { rows: claimed } = await pool.query<{ order_id: string; kind: string }>(
      `insert into sent_emails (order_id, kind, recipient, status)
         select r.order_id, r.kind, r.recipient, 'sending'
           from jsonb_to_recordset($1::jsonb) as r(order_id uuid, kind text, recipient text)
       on conflict (order_id, kind) do update set status = sent_emails.status
         where sent_emails.status = 'sending'
       returning order_id, kind`,
      [
        JSON.stringify(
          [...wanted.values()].map((w) => ({ order_id: w.orderId, kind: w.mail.kind, recipient: w.mail.to })),
        ),
      ],
    );
    const todo = claimed.flatMap((r) => wanted.get(`${r.order_id}/${r.kind}`) ?? []);
    const sent: { order_id: string; kind: string; message_id: string }[] = [];
    let failure: unknown = null;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < todo.length; i = next++) {
        const { orderId, mail } = todo[i] as (typeof todo)[number];
        try {
          sent.push({ order_id: orderId, kind: mail.kind, message_id: await send(orderId, mail) });
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, todo.length) }, worker));
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
    return sent.length;
  }

  /** One event (the synchronous baseline's internal call). */
  async function handle(event: AnyEvent): Promise<{ sent: boolean }> {
    return { sent: (await apply([event])) > 0 };
  }

  return { apply, handle };
}

export type EmailService = ReturnType<typeof createEmailService>;
