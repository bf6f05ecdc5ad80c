import { isTransient } from '@akaso/kafka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scriptedSmtp } from '../test/scripted-smtp.ts';
import { createSmtpPool } from './smtp-pool.ts';

/**
 * Just enough SMTP to exercise the pool: counts connections, refuses "reject@" recipients, never
 * answers the end of a mail to "hang@" (a server that stopped answering).
 */
function smtpServer() {
  const server = scriptedSmtp({
    script: () => {
      let hang = false;
      return {
        command(verb, line) {
          if (verb !== 'RCPT') return undefined;
          if (line.toUpperCase().includes('REJECT@')) return '550 no such user';
          if (line.toUpperCase().includes('HANG@')) hang = true;
          return undefined;
        },
        endOfData() {
          if (hang) {
            state.hung++;
            return null;
          }
          state.mails++;
          return '250 queued';
        },
      };
    },
  });
  const state = Object.assign(server.connections, { mails: 0, hung: 0 });
  return { ...server, state };
}

const raw = Buffer.from('From: a@x.example\r\nTo: b@y.example\r\nSubject: hi\r\n\r\nhello\r\n');
const envelope = (to = 'b@y.example') => ({ from: 'a@x.example', to: [to] });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('SMTP pool', () => {
  it('sends every mail over at most `size` connections, reusing them', async () => {
    const server = smtpServer();
    const port = await server.listen();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 3, sendTimeoutMs: 30_000 });
    closers.push(server.close, pool.close);
    await Promise.all(Array.from({ length: 40 }, () => pool.send(envelope(), raw)));
    expect(server.state.mails).toBe(40);
    expect(server.state.maxOpen).toBeLessThanOrEqual(3);
    expect(server.state.opened).toBeLessThanOrEqual(3);
  });

  it('replaces connections the server hung up on, without losing their slots', async () => {
    const server = smtpServer();
    const port = await server.listen();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 2, sendTimeoutMs: 30_000 });
    closers.push(server.close, pool.close);
    await Promise.all(Array.from({ length: 6 }, () => pool.send(envelope(), raw)));
    server.dropAll();
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all(Array.from({ length: 10 }, () => pool.send(envelope(), raw)));
    expect(server.state.mails).toBe(16);
    expect(server.state.maxOpen).toBeLessThanOrEqual(2);
  });

  it('fails a send with a transient error while the server is down, and recovers when it is back', async () => {
    const first = smtpServer();
    const port = await first.listen();
    await first.close();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 2, sendTimeoutMs: 30_000 });
    closers.push(pool.close);
    const err = await pool.send(envelope(), raw).catch((e: unknown) => e);
    // nodemailer's ESOCKET (ECONNREFUSED underneath), as the pool's own error.
    expect(err).toMatchObject({ code: 'SMTP_UNREACHABLE', retriable: true });
    expect(isTransient(err)).toBe(true);
    const again = smtpServer();
    await again.listen(port);
    closers.push(again.close);
    await Promise.all(Array.from({ length: 5 }, () => pool.send(envelope(), raw)));
    expect(again.state.mails).toBe(5);
  });

  it('passes a refused recipient on as a permanent error and keeps its slot free', async () => {
    const server = smtpServer();
    const port = await server.listen();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 1, sendTimeoutMs: 30_000 });
    closers.push(server.close, pool.close);
    const err = await pool.send(envelope('reject@y.example'), raw).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SMTP_REJECTED', replyCode: 550, perRecipient: true });
    expect(isTransient(err)).toBe(false);
    await pool.send(envelope(), raw);
    expect(server.state.mails).toBe(1);
  });

  it('gives up on a send past its timeout and frees its slot', async () => {
    const server = smtpServer();
    const port = await server.listen();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 1, sendTimeoutMs: 5_000 });
    closers.push(server.close, pool.close);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const hung = pool.send(envelope('hang@y.example'), raw).catch((e: unknown) => e);
      await vi.waitFor(() => expect(server.state.hung).toBe(1), { interval: 5 });
      vi.advanceTimersByTime(4_999);
      await Promise.resolve();
      expect(await Promise.race([hung, 'pending'])).toBe('pending');
      vi.advanceTimersByTime(1);
      // A transient error, and the pool's only connection is free for the next mail.
      const err = await hung;
      expect(err).toMatchObject({ code: 'ETIMEDOUT' });
      expect(isTransient(err)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    await pool.send(envelope(), raw);
    expect(server.state.mails).toBe(1);
  });

  it('refuses sends once closed', async () => {
    const server = smtpServer();
    const port = await server.listen();
    const pool = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 1, sendTimeoutMs: 30_000 });
    closers.push(server.close);
    await pool.send(envelope(), raw);
    await pool.close();
    await expect(pool.send(envelope(), raw)).rejects.toMatchObject({
      code: 'SMTP_UNREACHABLE',
      retriable: true,
    });
  });
});
