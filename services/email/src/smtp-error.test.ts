import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedSmtp } from '../test/scripted-smtp.ts';
import { refusalOf } from './refusal.ts';
import { SmtpError, toSmtpError } from './smtp-error.ts';
import { createSmtpPool, type SmtpPool } from './smtp-pool.ts';

/**
 * An SMTP server whose answers are chosen by the addresses: a recipient `r450@…` gets `450` to
 * its RCPT TO, `d554@…` gets `554` after its DATA, a sender `s530@…` gets `530` to MAIL FROM;
 * `greeting` replaces the 220. nodemailer then builds its real errors from real replies.
 */
function codedSmtp(greeting?: string) {
  const replies: Record<string, string> = {
    '421': '421 4.3.2 Service shutting down',
    '450': '450 4.2.1 Mailbox busy, try later',
    '451': '451 4.3.0 Local error in processing',
    '530': '530 5.7.0 Authentication required',
    '535': '535 5.7.8 Authentication credentials invalid',
    '550': '550 5.1.1 No such user',
    '552': '552 5.3.4 Message size exceeds fixed limit',
    '553': '553 5.1.8 Sender address rejected',
    '554': '554 5.7.1 Rejected as spam',
  };
  const coded = (line: string, prefix: string) => {
    const m = new RegExp(`<${prefix}(\\d{3})@`, 'i').exec(line);
    return m ? replies[m[1] as string] : undefined;
  };
  return scriptedSmtp({
    ...(greeting ? { greeting } : {}),
    ehlo: '250-test\r\n250 AUTH PLAIN',
    script: () => {
      let afterData: string | undefined;
      return {
        command(verb, line) {
          if (verb === 'AUTH') return replies['535'];
          if (verb === 'MAIL') return coded(line, 's');
          if (verb !== 'RCPT') return undefined;
          afterData = coded(line, 'd');
          return coded(line, 'r');
        },
        endOfData: () => afterData ?? '250 queued',
      };
    },
  });
}

const raw = Buffer.from('Subject: hi\r\n\r\nhello\r\n');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function poolOn(greeting?: string) {
  const server = codedSmtp(greeting);
  const port = await server.listen();
  const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 2, sendTimeoutMs: 5_000 });
  closers.push(server.close, pool.close);
  return pool;
}

/** The error of a send that must fail, from `shop@akaso.test` to `a@example.test` unless told. */
const failedSend = (pool: SmtpPool, { from = 'shop@akaso.test', to = 'a@example.test' } = {}) =>
  pool.send({ from, to: [to] }, raw).then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as SmtpError,
  );

describe('SMTP errors by reply code, from real nodemailer errors', () => {
  it('a recipient refused for now (4xx to RCPT TO): retriable, about that recipient alone', async () => {
    const pool = await poolOn();
    const err = await failedSend(pool, { to: 'r450@example.test' });
    expect(err).toBeInstanceOf(SmtpError);
    expect(err).toMatchObject({
      code: 'SMTP_DEFERRED',
      retriable: true,
      blocksService: false,
      scope: 'recipient',
      perRecipient: true,
      replyCode: 450,
      command: 'RCPT TO',
      recipient: 'r450@example.test',
    });
    // The email service's refusal logic still reads nodemailer's answer through the cause.
    expect(refusalOf(err)).toMatchObject({ responseCode: 450, permanent: false });
  });

  it('a recipient refused for good (5xx to RCPT TO): not retriable, about that recipient alone', async () => {
    const pool = await poolOn();
    const err = await failedSend(pool, { to: 'r550@example.test' });
    expect(err).toMatchObject({
      code: 'SMTP_REJECTED',
      retriable: false,
      perRecipient: true,
      replyCode: 550,
    });
    expect(refusalOf(err)).toMatchObject({ responseCode: 550, permanent: true });
  });

  it('a message refused after DATA: 4xx retriable, 5xx not, about that message', async () => {
    const pool = await poolOn();
    const later = await failedSend(pool, { to: 'd451@example.test' });
    expect(later).toMatchObject({ code: 'SMTP_DEFERRED', retriable: true, scope: 'message', replyCode: 451 });
    const never = await failedSend(pool, { to: 'd554@example.test' });
    expect(never).toMatchObject({
      code: 'SMTP_REJECTED',
      retriable: false,
      scope: 'message',
      replyCode: 554,
    });
    const tooBig = await failedSend(pool, { from: 's552@akaso.test' });
    expect(tooBig).toMatchObject({
      code: 'SMTP_REJECTED',
      retriable: false,
      scope: 'message',
      replyCode: 552,
    });
  });

  it('the server wants a login or refuses our sender: retriable, blocks the service, readiness fails until a mail goes through', async () => {
    const pool = await poolOn();
    await expect(pool.verify()).resolves.toBeUndefined();
    const auth = await failedSend(pool, { from: 's530@akaso.test' });
    expect(auth).toMatchObject({
      code: 'SMTP_AUTH',
      retriable: true,
      blocksService: true,
      scope: 'connection',
    });
    expect(refusalOf(auth)).toBeNull();
    await expect(pool.verify()).rejects.toMatchObject({ code: 'SMTP_AUTH' });
    const sender = await failedSend(pool, { from: 's553@akaso.test' });
    expect(sender).toMatchObject({ code: 'SMTP_REFUSES_US', retriable: true, blocksService: true });
    await pool.send({ from: 'shop@akaso.test', to: ['a@example.test'] }, raw);
    await expect(pool.verify()).resolves.toBeUndefined();
  });

  it('a failed login (535 to AUTH) is SMTP_AUTH', async () => {
    const server = codedSmtp();
    const port = await server.listen();
    closers.push(server.close);
    const c = new SMTPConnection({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    c.on('error', () => {});
    closers.push(async () => c.close());
    await new Promise<void>((resolve) => c.connect(() => resolve()));
    const err = await new Promise<unknown>((resolve) =>
      c.login({ user: 'shop', pass: 'wrong' }, (e) => resolve(e)),
    );
    expect(toSmtpError(err)).toMatchObject({
      code: 'SMTP_AUTH',
      retriable: true,
      blocksService: true,
      replyCode: 535,
    });
  });

  it('a server that is down, closing (421) or refusing service at the greeting: retriable, never dead-lettered', async () => {
    const closing = await poolOn('421 4.3.2 Service not available');
    const e421 = await failedSend(closing);
    expect(e421).toMatchObject({ code: 'SMTP_UNREACHABLE', retriable: true, scope: 'connection' });
    const refusing = await poolOn('554 5.3.2 No SMTP service here');
    const e554 = await failedSend(refusing);
    expect(e554).toMatchObject({ retriable: true, scope: 'connection' });

    const gone = codedSmtp();
    const port = await gone.listen();
    await gone.close();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 1, sendTimeoutMs: 5_000 });
    closers.push(pool.close);
    const refused = await failedSend(pool);
    expect(refused).toMatchObject({ code: 'SMTP_UNREACHABLE', retriable: true });
    await expect(pool.verify()).rejects.toMatchObject({ code: 'SMTP_UNREACHABLE' });
  });

  it('leaves alone what already says (the pool timeout) and what is not SMTP (a bug)', () => {
    const timeout = Object.assign(new Error('SMTP send timed out'), { code: 'ETIMEDOUT', retriable: true });
    expect(toSmtpError(timeout)).toBe(timeout);
    const bug = new TypeError('x is undefined');
    expect(toSmtpError(bug)).toBe(bug);
  });
});
