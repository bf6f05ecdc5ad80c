import { describe, expect, it } from 'vitest';
import { refusalOf, refusalVerdict } from './refusal.ts';

/** The shape nodemailer gives an SMTP answer (smtp-connection's _formatError). */
const smtpError = (code: string, command: string, response: string) =>
  Object.assign(new Error(`failed: ${response}`), {
    code,
    command,
    response,
    responseCode: Number(response.slice(0, 3)),
  });

describe('refusalOf', () => {
  it('reads a recipient refused at RCPT TO, temporary or permanent', () => {
    expect(refusalOf(smtpError('EENVELOPE', 'RCPT TO', '450 4.2.1 mailbox busy'))).toEqual({
      responseCode: 450,
      permanent: false,
      reply: '450 4.2.1 mailbox busy',
    });
    expect(refusalOf(smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 no such user'))).toMatchObject({
      responseCode: 550,
      permanent: true,
    });
  });

  it('reads a message refused after DATA, and a refusal wrapped in another error', () => {
    expect(refusalOf(smtpError('EMESSAGE', 'DATA', '554 5.7.1 rejected'))).toMatchObject({ permanent: true });
    const wrapped = new Error('send failed', { cause: smtpError('EENVELOPE', 'RCPT TO', '452 full') });
    expect(refusalOf(wrapped)).toMatchObject({ responseCode: 452, permanent: false });
  });

  it('is null for what concerns every mail: our sender refused, authentication, the server away', () => {
    expect(refusalOf(smtpError('EENVELOPE', 'MAIL FROM', '550 sender rejected'))).toBeNull();
    expect(refusalOf(smtpError('EAUTH', 'AUTH PLAIN', '535 bad credentials'))).toBeNull();
    expect(refusalOf(Object.assign(new Error('connect'), { code: 'ESOCKET' }))).toBeNull();
    expect(refusalOf('not an error')).toBeNull();
  });
});

describe('refusalVerdict', () => {
  const temporary = { responseCode: 450, permanent: false, reply: '450 busy' };
  it('retries a temporary refusal until it has lasted the bound, then dead-letters it', () => {
    expect(refusalVerdict(temporary, 0, 60_000)).toBe('retry');
    expect(refusalVerdict(temporary, 59_999, 60_000)).toBe('retry');
    expect(refusalVerdict(temporary, 60_000, 60_000)).toBe('dead-letter');
  });
  it('dead-letters a permanent refusal at once', () => {
    expect(refusalVerdict({ ...temporary, responseCode: 550, permanent: true }, 0, 60_000)).toBe(
      'dead-letter',
    );
  });
});
