import { env } from '@akaso/config';
import { serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  ...serviceConfig(3300),
  SMTP_HOST: Type.String({ default: '127.0.0.1' }),
  SMTP_PORT: env.port(1025),
  SMTP_SECURE: env.bool(false),
  MAIL_FROM: Type.String({ default: 'Akaso Burger <orders@akaso-burger.example>' }),
  // Third-party latency added to every send, to make the sync/async comparison honest.
  SMTP_LATENCY_MS: env.ms(0),
  // SMTP connections kept open; a connection carries one mail at a time, so this bounds the
  // mails in flight. Mailpit stores each mail in SQLite: 10 connections took ~200 mails/s from it
  // on the 2-core box, 50 fewer (its writes contend).
  SMTP_POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
  // Mails in flight at once per instance. Waiting on the SMTP server costs no CPU: with 100 ms
  // per mail, 5 at once cap the pipeline at 50 mails/s (25 orders/s); 50 at once, 500 mails/s.
  EMAIL_SEND_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1_000, default: 50 }),
});
