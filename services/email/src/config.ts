import { env } from '@akaso/config';
import { flagsConfig, serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  ...serviceConfig(3300),
  // Run-time switches (the group's per-message delay, `email.delayMs`).
  ...flagsConfig(),
  SMTP_HOST: Type.String({ default: '127.0.0.1' }),
  SMTP_PORT: env.port(1025),
  SMTP_SECURE: env.bool(false),
  MAIL_FROM: Type.String({ default: 'Akaso Burger <orders@akaso-burger.example>' }),
  // Third-party latency added to every send, to make the sync/async comparison honest.
  SMTP_LATENCY_MS: env.ms(0),
  // SMTP connections kept open; a connection carries one mail at a time, so this bounds the
  // mails in flight. On the 2-core box under `pnpm bench --rate 100`, 25 connections brought the
  // end-to-end p99 from 5.4 s (10 connections: the email group lagged) to 1.3 s; at 50, Mailpit's
  // SQLite writes contend.
  SMTP_POOL_SIZE: Type.Integer({ minimum: 1, default: 25 }),
  // Mails in flight at once per handler call (waiting out the latency, then on a pooled
  // connection). Waiting costs no CPU: as many as a batch holds (CONSUMER_MAX_BATCH, 200), so a
  // batch's mails go in one wave; with 50, a batch of 150 waited out three 100 ms waves.
  EMAIL_SEND_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1_000, default: 200 }),
  // Bound on one mail's SMTP transaction, waiting for a pooled connection included: a server that
  // stops answering fails the send (transient, retried) instead of holding the batch.
  SMTP_SEND_TIMEOUT_MS: env.ms(30_000),
  // How long a claimed (order, kind) stays its claimer's: no other instance sends it meanwhile,
  // and once it runs out (the claimer died) another may. Must outlast the longest send,
  // SMTP_LATENCY_MS + SMTP_SEND_TIMEOUT_MS: checked at start-up.
  EMAIL_CLAIM_LEASE_MS: env.ms(60_000),
  // A recipient the SMTP server keeps refusing (4xx) for longer than this is dead-lettered with
  // the server's answer; a permanent refusal (5xx) at once.
  EMAIL_REFUSED_MAX_MS: env.ms(600_000),
});
