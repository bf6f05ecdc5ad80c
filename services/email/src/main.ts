import { join } from 'node:path';
import { groupTopics } from '@akaso/contracts';
import { cachedCheck, runService } from '@akaso/service';
import { ConfigSchema } from './config.ts';
import { createEmailService } from './email-service.ts';
import { emailRoutes } from './routes.ts';
import { createSmtpPool } from './smtp-pool.ts';

// Email: the confirmation, rejection and receipt mails. It produces no events (no outbox):
// its producer only dead-letters poison messages.
await runService({
  name: 'email',
  config: ConfigSchema,
  root: join(import.meta.dirname, '..'),
  outbox: false,
  async setup({ config, pool, metrics }) {
    const smtp = createSmtpPool({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      size: config.SMTP_POOL_SIZE,
      sendTimeoutMs: config.SMTP_SEND_TIMEOUT_MS,
    });
    const email = createEmailService({
      pool,
      smtp,
      from: config.MAIL_FROM,
      latencyMs: config.SMTP_LATENCY_MS,
      concurrency: config.EMAIL_SEND_CONCURRENCY,
      sendTimeoutMs: config.SMTP_SEND_TIMEOUT_MS,
      leaseMs: config.EMAIL_CLAIM_LEASE_MS,
      refusedMaxMs: config.EMAIL_REFUSED_MAX_MS,
      onSent: metrics.email,
    });
    return {
      consumer: {
        groupId: 'email',
        topics: [...groupTopics.email],
        handler: async (deliveries, ctx) =>
          void (await email.apply(
            deliveries.map((d) => d.event),
            ctx,
          )),
      },
      routes: (app) => emailRoutes(app, email),
      // An SMTP handshake per probe would be a load on the server: cached like the Kafka check.
      readiness: [cachedCheck('smtp', () => smtp.verify())],
      stop: [['smtp', () => smtp.close()]],
      describe: { smtp: `${config.SMTP_HOST}:${config.SMTP_PORT}` },
    };
  },
});
