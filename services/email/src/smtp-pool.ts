import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { type SmtpError, toSmtpError } from './smtp-error.ts';

/**
 * Pooled SMTP connections that send ready-made messages. The mail is composed once by the
 * caller (mime.ts); nodemailer's Mailer would compose it again around the raw buffer
 * (message-id, MIME tree, plugins, a stream pipeline per mail) before its own pool sends it:
 * measured against Mailpit, 0.50 ms of client CPU per mail through `sendMail`, 0.25 ms through
 * SMTPConnection itself, which is what this pool drives.
 *
 * A connection carries one mail at a time. A connection that failed is closed, never reused
 * (its SMTP state is unknown); the error goes to the caller as an SmtpError (smtp-error.ts):
 * its reply code, whether it concerns one recipient, and whether a retry can help.
 */
export interface SmtpPool {
  send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<void>;
  /**
   * Opens a connection and says goodbye: the readiness probe. Fails at once while the server
   * refuses us (our login, our sender: SMTP_AUTH, SMTP_REFUSES_US), until a mail goes through.
   */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpPoolOptions {
  host: string;
  port: number;
  secure: boolean;
  /** Connections open at most. */
  size: number;
  /**
   * Bound on one send, waiting for a connection included. Past it the connection is closed
   * mid-transaction (the server drops a mail whose DATA did not end), so a send never outlives
   * it: the email service's claim lease is sized on this bound.
   */
  sendTimeoutMs: number;
}

export function createSmtpPool(opts: SmtpPoolOptions): SmtpPool {
  const idle: SMTPConnection[] = [];
  const waiters: (() => void)[] = [];
  let open = 0;
  let closed = false;
  const closedError = () => Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION' });

  function connect(): Promise<SMTPConnection> {
    return new Promise((resolve, reject) => {
      const c = new SMTPConnection({
        host: opts.host,
        port: opts.port,
        secure: opts.secure,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 60_000,
      });
      let settled = false;
      // While a mail is in flight, its send callback gets the error too and frees the slot. An
      // idle connection that fails or is hung up on (a restart, an idle timeout) is dropped here.
      c.on('error', (err) => {
        dropIdle(c);
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
      c.on('end', () => dropIdle(c));
      c.connect(() => {
        settled = true;
        resolve(c);
      });
    });
  }

  /** A connection went idle or a slot freed: the oldest waiter looks again. */
  const wake = () => waiters.shift()?.();

  function dropIdle(c: SMTPConnection) {
    const i = idle.indexOf(c);
    if (i < 0) return;
    idle.splice(i, 1);
    open--;
    wake();
  }

  async function acquire(): Promise<SMTPConnection> {
    for (;;) {
      if (closed) throw closedError();
      const ready = idle.pop();
      if (ready) return ready;
      if (open < opts.size) {
        open++;
        try {
          return await connect();
        } catch (err) {
          open--;
          wake();
          throw err;
        }
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  /** A connection back to the pool after a mail went through. */
  function release(c: SMTPConnection) {
    if (closed) {
      c.quit();
      open--;
    } else {
      idle.push(c);
      wake();
    }
  }

  async function sendOnce(envelope: { from: string; to: string[] }, raw: Buffer): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            // A server that stopped answering is one that is down: retried, never dead-lettered.
            Object.assign(new Error(`SMTP send timed out after ${opts.sendTimeoutMs} ms`), {
              code: 'ETIMEDOUT',
              retriable: true,
              dependency: 'smtp',
            }),
          ),
        opts.sendTimeoutMs,
      );
    });
    expired.catch(() => {});
    try {
      const acquiring = acquire();
      let c: SMTPConnection;
      try {
        c = await Promise.race([acquiring, expired]);
      } catch (err) {
        // Timed out waiting: the connection, when it comes, goes back to the pool unused.
        acquiring.then(release, () => {});
        throw err;
      }
      try {
        await Promise.race([
          new Promise<void>((resolve, reject) => c.send(envelope, raw, (e) => (e ? reject(e) : resolve()))),
          expired,
        ]);
      } catch (err) {
        c.close();
        open--;
        wake();
        throw err;
      }
      release(c);
    } finally {
      clearTimeout(timer);
    }
  }

  // The server refused us on the last try (our login, our sender): not ready until a mail goes through.
  let refusesUs: SmtpError | null = null;

  /** Every failure leaves the pool as an SmtpError saying whether to retry (smtp-error.ts). */
  async function send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<void> {
    try {
      await sendOnce(envelope, raw);
      refusesUs = null;
    } catch (err) {
      const failure = toSmtpError(err);
      if ((failure as Partial<SmtpError>).blocksService) refusesUs = failure as SmtpError;
      throw failure;
    }
  }

  async function verify(): Promise<void> {
    if (refusesUs) throw refusesUs;
    const c = await connect().catch((err: unknown) => {
      throw toSmtpError(err);
    });
    c.quit();
  }

  async function close(): Promise<void> {
    closed = true;
    for (const c of idle.splice(0)) {
      c.quit();
      open--;
    }
    for (const w of waiters.splice(0)) w();
  }

  return { send, verify, close };
}
