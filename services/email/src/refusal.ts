/**
 * An SMTP server's "no" to one mail (its recipient at RCPT TO, or its content after DATA), as
 * opposed to a server that cannot be reached or a session that broke: only this mail is
 * concerned, the others of its batch go out. The reply code says whether asking again may help
 * (4xx: mailbox busy, greylisting, over quota) or not (5xx: no such user).
 */
export interface Refusal {
  /** SMTP reply code, 400-599. */
  responseCode: number;
  /** 5xx: the server will never take it. */
  permanent: boolean;
  /** The server's answer, for the dead letter and the sent-mail log. */
  reply: string;
}

interface SmtpErrorShape {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The refusal this error reports (nodemailer's shape, or an error wrapping it), or null. */
export function refusalOf(err: unknown): Refusal | null {
  for (
    let e = err as SmtpErrorShape | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as SmtpErrorShape, depth++
  ) {
    if (typeof e !== 'object') return null;
    const code = e.responseCode;
    if (typeof code !== 'number' || code < 400 || code > 599) continue;
    // MAIL FROM refused, or AUTH: our side is wrong, every mail would get the same answer.
    const aboutThisMail = e.command === 'RCPT TO' || (e.command === 'DATA' && e.code === 'EMESSAGE');
    if (!aboutThisMail) return null;
    const reply = typeof e.response === 'string' ? e.response : String(e.message ?? code);
    return { responseCode: code, permanent: code >= 500, reply };
  }
  return null;
}

/**
 * Ask again later, or dead-letter now? A permanent refusal at once; a temporary one once it has
 * lasted `maxMs` (counted from the first refusal, across retries and instances), so a mailbox
 * that stays unavailable cannot hold its partition forever.
 */
export function refusalVerdict(r: Refusal, refusedForMs: number, maxMs: number): 'retry' | 'dead-letter' {
  return r.permanent || refusedForMs >= maxMs ? 'dead-letter' : 'retry';
}
