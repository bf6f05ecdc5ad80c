import { randomUUID } from 'node:crypto';
import { host, mailpit, postgres, postgresUrl, stripeMock } from '@akaso/stack-client';
import nodemailer from 'nodemailer';
import pg from 'pg';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';

describe('PostgreSQL', () => {
  it('is a real PostgreSQL 18 server with one database per service', async () => {
    const client = new pg.Client({ connectionString: postgresUrl('postgres') });
    await client.connect();
    try {
      const version = await client.query<{ server_version_num: string }>('show server_version_num');
      expect(Number(version.rows[0]?.server_version_num)).toBeGreaterThanOrEqual(180000);
      const dbs = await client.query<{ datname: string }>('select datname from pg_database');
      const names = dbs.rows.map((r) => r.datname);
      for (const db of postgres.databases) expect(names).toContain(db);
    } finally {
      await client.end();
    }
  });

  it('commits durably and isolates databases', async () => {
    const table = `it_${randomUUID().replaceAll('-', '')}`;
    const a = new pg.Client({ connectionString: postgresUrl('inventory') });
    const b = new pg.Client({ connectionString: postgresUrl('payment') });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query(`create table ${table} (id int primary key)`);
      await a.query(`insert into ${table} values (1), (2)`);
      const rows = await a.query(`select count(*)::int as n from ${table}`);
      expect(rows.rows[0]?.n).toBe(2);
      // Another service's database does not see the table.
      await expect(b.query(`select 1 from ${table}`)).rejects.toThrow(/does not exist/);
    } finally {
      await a.query(`drop table if exists ${table}`);
      await Promise.all([a.end(), b.end()]);
    }
  });
});

describe('stripe-mock through the real stripe SDK', () => {
  const stripe = new Stripe('sk_test_AkasoBurgerExample', {
    host,
    port: stripeMock.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });

  it('creates and confirms a PaymentIntent', async () => {
    const intent = await stripe.paymentIntents.create(
      { amount: 1497, currency: 'eur', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: `it-${randomUUID()}` },
    );
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.amount).toBe(1497);
    expect(intent.currency).toBe('eur');
  });

  it('validates requests against the real API schema', async () => {
    // @ts-expect-error amount is required: stripe-mock must refuse it like Stripe does.
    await expect(stripe.paymentIntents.create({ currency: 'eur' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });
});

describe('Mailpit (SMTP sink)', () => {
  it('receives a message over SMTP and lists it over HTTP', async () => {
    const subject = `it ${randomUUID()}`;
    const transport = nodemailer.createTransport({ host, port: mailpit.smtpPort, secure: false });
    await transport.sendMail({
      from: 'orders@akaso.test',
      to: 'alice@akaso.test',
      subject,
      text: 'hello',
      html: '<b>hello</b>',
    });
    transport.close();

    const api = `http://${host}:${mailpit.httpPort}/api/v1`;
    const found = await fetch(`${api}/search?query=${encodeURIComponent(`subject:"${subject}"`)}`).then(
      (r) => r.json() as Promise<{ messages: { ID: string; Subject: string; To: { Address: string }[] }[] }>,
    );
    expect(found.messages).toHaveLength(1);
    expect(found.messages[0]?.To[0]?.Address).toBe('alice@akaso.test');
    const message = await fetch(`${api}/message/${found.messages[0]?.ID}`).then(
      (r) => r.json() as Promise<{ Text: string; HTML: string }>,
    );
    expect(message.Text.trim()).toBe('hello');
    expect(message.HTML).toContain('<b>hello</b>');
  });
});
