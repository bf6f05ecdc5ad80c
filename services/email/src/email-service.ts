import type { AnyEvent } from '@akaso/contracts';
import type { Transporter } from 'nodemailer';
import type { Db } from './db.ts';
import { mailFor } from './templates.ts';

/**
 * Exactly one email per (order, kind), even when events are redelivered or replayed: the
 * (order, kind) row is claimed in a committed transaction BEFORE sending and marked sent after.
 * A redelivery finds it sent and does nothing. The one window left — a crash after the SMTP
 * server accepted the mail but before "sent" was written — resends once, on recovery; the
 * Message-ID is derived from (order, kind) so a receiving system can drop that duplicate.
 */
export function createEmailService(deps: {
  db: Db;
  transport: Transporter;
  from: string;
  latencyMs: number;
  /** Called once per mail the SMTP server accepted (the dashboard's funnel counts them). */
  onSent?: (kind: string) => void;
}) {
  const { db } = deps;

  async function handle(event: AnyEvent): Promise<{ sent: boolean }> {
    const mail = mailFor(event);
    if (!mail) return { sent: false };
    const claimed = await db.$executeRawUnsafe(
      `insert into sent_emails (order_id, kind, recipient, status) values ($1::uuid, $2, $3, 'sending')
       on conflict (order_id, kind) do update set status = sent_emails.status
       where sent_emails.status = 'sending'`,
      event.orderId,
      mail.kind,
      mail.to,
    );
    if (claimed === 0) return { sent: false }; // already sent
    if (deps.latencyMs > 0) await new Promise((r) => setTimeout(r, deps.latencyMs));
    const messageId = `<${event.orderId}.${mail.kind}@akaso-burger.example>`;
    await deps.transport.sendMail({
      from: deps.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId,
      headers: { 'X-Akaso-Order-Id': event.orderId, 'X-Akaso-Mail-Kind': mail.kind },
    });
    await db.sentEmail.update({
      where: { orderId_kind: { orderId: event.orderId, kind: mail.kind } },
      data: { status: 'sent', messageId, sentAt: new Date() },
    });
    deps.onSent?.(mail.kind);
    return { sent: true };
  }

  return { handle };
}

export type EmailService = ReturnType<typeof createEmailService>;
