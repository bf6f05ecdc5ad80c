/**
 * The SMTP pool's errors (undici's way): a failed send leaves the pool with a stable code and
 * whether trying again can help, judged by the SMTP reply code (RFC 5321: 4xx transient, 5xx
 * permanent) and by what the reply answered, never by message text. The shared consumer reads
 * only `retriable` (and `blocksService`); it knows nothing of SMTP.
 */
export const smtpErrorCodes = {
  /** No connection, a lost one, no answer in time, or the server closing (421). */
  SMTP_UNREACHABLE: { retriable: true },
  /** 4xx: the server will take it later (mailbox busy, greylisting, over quota, a local error). */
  SMTP_DEFERRED: { retriable: true },
  /** 5xx, or an address the client itself refuses: this mail will never go through as it is. */
  SMTP_REJECTED: { retriable: false },
  /** The server refuses our login (530, 534, 535, 538, or no credentials): every mail would fail alike. */
  SMTP_AUTH: { retriable: true, blocksService: true },
  /** The server refuses us (5xx to our greeting, EHLO or sender): every mail would fail alike. */
  SMTP_REFUSES_US: { retriable: true, blocksService: true },
} as const satisfies Record<string, { retriable: boolean; blocksService?: boolean }>;

export type SmtpErrorCode = keyof typeof smtpErrorCodes;

/**
 * What the failure concerns: one recipient (its RCPT TO was refused: the other mails of a batch
 * go on), this message (refused after DATA, or too large), or the connection and so every mail.
 */
export type SmtpErrorScope = 'recipient' | 'message' | 'connection';

export class SmtpError extends Error {
  readonly code: SmtpErrorCode;
  readonly retriable: boolean;
  readonly blocksService: boolean;
  readonly dependency = 'smtp';
  readonly scope: SmtpErrorScope;
  /** The server's reply code (RFC 5321), when it answered. */
  readonly replyCode: number | undefined;
  /** The server's reply line, for the dead letter and the logs. */
  readonly reply: string | undefined;
  /** The command the server answered ('RCPT TO', 'DATA', 'MAIL FROM', 'AUTH PLAIN'…). */
  readonly command: string | undefined;
  /** The refused recipient, when the server refused one. */
  readonly recipient: string | undefined;

  constructor(
    code: SmtpErrorCode,
    scope: SmtpErrorScope,
    cause: NodemailerError,
    details: { recipient?: string | undefined } = {},
  ) {
    super(`SMTP: ${cause.message}`, { cause });
    this.name = 'SmtpError';
    const flags: { retriable: boolean; blocksService?: boolean } = smtpErrorCodes[code];
    this.code = code;
    this.retriable = flags.retriable;
    this.blocksService = flags.blocksService ?? false;
    this.scope = scope;
    this.replyCode = typeof cause.responseCode === 'number' ? cause.responseCode : undefined;
    this.reply = typeof cause.response === 'string' ? cause.response : undefined;
    this.command = typeof cause.command === 'string' ? cause.command : undefined;
    this.recipient = details.recipient;
  }

  /** A refusal of one recipient: the others of its batch can still be sent. */
  get perRecipient(): boolean {
    return this.scope === 'recipient';
  }
}

/** nodemailer's SMTPConnection error (its _formatError): a type as `code`, and the reply. */
interface NodemailerError extends Error {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  recipient?: unknown;
  rejectedErrors?: unknown;
  retriable?: unknown;
}

// nodemailer's types for a connection that failed or never was (no reply to judge).
const connectionTypes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);
const authReplies = new Set([530, 534, 535, 538]);

function refusedRecipient(err: NodemailerError): string | undefined {
  if (typeof err.recipient === 'string') return err.recipient;
  const first = Array.isArray(err.rejectedErrors) ? (err.rejectedErrors[0] as NodemailerError) : undefined;
  return typeof first?.recipient === 'string' ? first.recipient : undefined;
}

/**
 * The SmtpError for a failed send or connection (nodemailer's error), or the error itself when
 * it already says whether to retry (the pool's own timeout) or is not SMTP's (a bug).
 */
export function toSmtpError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as NodemailerError;
  if (typeof e.code === 'string' && typeof e.retriable === 'boolean') return err;
  const type = typeof e.code === 'string' ? e.code : '';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const command = typeof e.command === 'string' ? e.command : '';

  if (type === 'EAUTH' || (reply !== null && authReplies.has(reply)))
    return new SmtpError('SMTP_AUTH', 'connection', e);
  if (reply === 421) return new SmtpError('SMTP_UNREACHABLE', 'connection', e);
  if (reply !== null && reply >= 400 && reply < 600) {
    const permanent = reply >= 500;
    if (command === 'RCPT TO')
      return new SmtpError(permanent ? 'SMTP_REJECTED' : 'SMTP_DEFERRED', 'recipient', e, {
        recipient: refusedRecipient(e),
      });
    if (command === 'DATA') return new SmtpError(permanent ? 'SMTP_REJECTED' : 'SMTP_DEFERRED', 'message', e);
    // 552 to MAIL FROM: this message exceeds the size limit.
    if (command === 'MAIL FROM' && reply === 552) return new SmtpError('SMTP_REJECTED', 'message', e);
    // Anything else refused (our greeting, EHLO, sender) is about us, not this mail: a 5xx waits
    // for an operator instead of dead-lettering every mail.
    return new SmtpError(permanent ? 'SMTP_REFUSES_US' : 'SMTP_DEFERRED', 'connection', e);
  }
  if (connectionTypes.has(type)) return new SmtpError('SMTP_UNREACHABLE', 'connection', e);
  // The client refused the envelope or the message before sending it (a malformed address, an
  // empty or oversized message): it stays malformed.
  if (type === 'EENVELOPE')
    return new SmtpError('SMTP_REJECTED', 'recipient', e, { recipient: refusedRecipient(e) });
  if (type === 'EMESSAGE') return new SmtpError('SMTP_REJECTED', 'message', e);
  return err;
}
