import { randomUUID } from 'node:crypto';
import { newEvent, uuidv7 } from '@akaso/contracts';
import { createPool } from '@akaso/db';
import { classifyError } from '@akaso/kafka';
import { postgresServerUrl } from '@akaso/stack-client';
import { eventually } from '@akaso/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailService } from '../src/email-service.ts';
import { createSmtpPool, type SmtpPool } from '../src/smtp-pool.ts';
import { smtpSink } from './smtp-sink.ts';

// The email service's claims against the real email database (migrated by the stack's email
// instance) and a real SMTP server on loopback that refuses some recipients.
const pool = createPool({
  connectionString: `${postgresServerUrl}/email`,
  max: 4,
  name: 'email-service-test',
});
const sink = smtpSink({ 'refuse550-': '550 5.1.1 no such user', 'busy450-': '450 4.2.1 mailbox busy' });
let smtp: SmtpPool;

beforeAll(async () => {
  const port = await sink.listen();
  smtp = createSmtpPool({ host: '127.0.0.1', port, secure: false, size: 4, sendTimeoutMs: 5_000 });
});
afterAll(async () => {
  await smtp.close();
  await sink.close();
  await pool.end();
});

const service = (opts: Partial<Parameters<typeof createEmailService>[0]> = {}) =>
  createEmailService({
    pool,
    smtp,
    from: 'Akaso Burger <orders@akaso-burger.example>',
    latencyMs: 0,
    concurrency: 10,
    sendTimeoutMs: 5_000,
    leaseMs: 10_000,
    refusedMaxMs: 600_000,
    ...opts,
  });

/** A receipt for a new order, to `<prefix><uuid>@example.test`. */
function receipt(prefix = 'ok-') {
  const email = `${prefix}${randomUUID()}@example.test`;
  const event = newEvent(
    'PaymentSucceeded',
    { orderId: uuidv7(), userId: `email-test-${randomUUID().slice(0, 8)}` },
    { email, paymentIntentId: 'pi_test', amountCents: 1_250, currency: 'eur' },
  );
  return { event, email };
}

/** A receipt's claim held by another instance, its lease running out `leaseLeft` from now. */
const claimedBy = (owner: string, leaseLeft: string, orderId: string, email: string) =>
  pool.query(
    `insert into sent_emails (order_id, kind, recipient, status, claimed_by, lease_expires_at)
     values ($1, 'receipt', $2, 'sending', $3, now() + $4::interval)`,
    [orderId, email, owner, leaseLeft],
  );

const row = async (orderId: string) =>
  (
    await pool.query<{
      status: string;
      claimed_by: string | null;
      refused_since: Date | null;
      last_error: string | null;
    }>(
      `select status, claimed_by, refused_since, last_error from sent_emails where order_id = $1 and kind = 'receipt'`,
      [orderId],
    )
  ).rows[0];

describe('claims on (order, kind)', () => {
  it("are not taken from a live owner: the second instance waits for the first's send, and sends nothing", async () => {
    const first = service({ instanceId: `a-${randomUUID()}`, latencyMs: 400 });
    const second = service({ instanceId: `b-${randomUUID()}` });
    const { event, email } = receipt();
    const sending = first.apply([event]);
    await eventually(
      'the first instance holds the claim',
      async () => (await row(event.orderId))?.status === 'sending',
    );
    // The same event, as the new owner of the partition re-reads it from the committed offset.
    expect(await second.apply([event])).toBe(0);
    expect(await sending).toBe(1);
    expect(sink.count(email)).toBe(1);
    expect(await row(event.orderId)).toMatchObject({ status: 'sent', claimed_by: first.instanceId });
  });

  it('are taken once their lease has run out (the owner died)', async () => {
    const { event, email } = receipt();
    await claimedBy('died', '-1 second', event.orderId, email);
    const survivor = service({ instanceId: `c-${randomUUID()}` });
    expect(await survivor.apply([event])).toBe(1);
    expect(sink.count(email)).toBe(1);
    expect(await row(event.orderId)).toMatchObject({ status: 'sent', claimed_by: survivor.instanceId });
  });

  it('held past the wait fail with a retriable EMAIL_CLAIMED_ELSEWHERE, sending nothing', async () => {
    const { event, email } = receipt();
    await claimedBy('alive', '1 hour', event.orderId, email);
    // Time passes on a clock of the test's own: each wait between two looks advances it.
    let now = 0;
    const waiting = service({
      instanceId: `d-${randomUUID()}`,
      leaseMs: 2_000,
      sendTimeoutMs: 1_000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const err = await waiting.apply([event]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EMAIL_CLAIMED_ELSEWHERE', retriable: true });
    expect(now).toBeGreaterThanOrEqual(2_000);
    expect(sink.count(email)).toBe(0);
    expect(await row(event.orderId)).toMatchObject({ status: 'sending', claimed_by: 'alive' });
  });

  it('must outlast the longest send: a shorter lease refuses to start', () => {
    expect(() => service({ latencyMs: 1_500, sendTimeoutMs: 30_000, leaseMs: 30_000 })).toThrow(
      /EMAIL_CLAIM_LEASE_MS/,
    );
  });
});

describe('a mail refused for its recipient', () => {
  it('fails for good when refused permanently (5xx), after the others of its batch were sent', async () => {
    const email = service({ instanceId: `e-${randomUUID()}` });
    const ok1 = receipt();
    const refused = receipt('refuse550-');
    const ok2 = receipt();
    const err = await email.apply([ok1.event, refused.event, ok2.event]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SMTP_RECIPIENT_REFUSED' });
    expect((err as Error).message).toContain('550 5.1.1 no such user');
    expect(classifyError(err).kind).toBe('permanent');
    expect(sink.count(ok1.email)).toBe(1);
    expect(sink.count(ok2.email)).toBe(1);
    expect(await row(ok1.event.orderId)).toMatchObject({ status: 'sent' });
    // Released (nothing went out), with the server's answer kept.
    const r = await row(refused.event.orderId);
    expect(r).toMatchObject({ status: 'sending', claimed_by: null, last_error: '550 5.1.1 no such user' });
    expect(r?.refused_since).toBeInstanceOf(Date);
    // The consumer then tries them one at a time: the sent ones are no-ops, the refused one
    // fails alone and is dead-lettered.
    expect(await email.apply([ok1.event])).toBe(0);
    await expect(email.apply([refused.event])).rejects.toMatchObject({ code: 'SMTP_RECIPIENT_REFUSED' });
    expect(sink.count(ok1.email)).toBe(1);
  });

  it('is retried while refused temporarily (4xx), and fails for good once that has lasted the bound', async () => {
    const email = service({ instanceId: `f-${randomUUID()}`, refusedMaxMs: 600_000 });
    const busy = receipt('busy450-');
    const first = await email.apply([busy.event]).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'SMTP_RECIPIENT_REFUSED', retriable: true });
    expect((first as Error).message).toContain('450 4.2.1 mailbox busy');
    expect(classifyError(first).kind).toBe('transient');
    // Ten minutes of refusals, in the database's clock (where refused_since is counted).
    await pool.query(
      `update sent_emails set refused_since = now() - interval '10 minutes' where order_id = $1 and kind = 'receipt'`,
      [busy.event.orderId],
    );
    const later = await email.apply([busy.event]).catch((e: unknown) => e);
    expect(later).toMatchObject({ code: 'SMTP_RECIPIENT_REFUSED' });
    expect(classifyError(later).kind).toBe('permanent');
    expect(sink.count(busy.email)).toBe(0);
  });
});
