import { join } from 'node:path';
import { type AnyEvent, topics } from '@akaso/contracts';
import { createConsumerRunner } from '@akaso/kafka';
import {
  createHttpApp,
  createMetrics,
  databaseCheck,
  handleShutdown,
  kafkaCheck,
  startRuntime,
} from '@akaso/service';
import nodemailer from 'nodemailer';
import { configOrExit } from './config.ts';
import { createDb } from './db.ts';
import { createEmailService } from './email-service.ts';
import { emailRoutes } from './routes.ts';

const GROUP = 'email';
const config = configOrExit();
// Email produces no events: its producer only dead-letters poison messages.
const { logger, kafka, producer } = await startRuntime('email', config, join(import.meta.dirname, '..'));
const metrics = createMetrics('email');
const db = createDb(config.DATABASE_URL, config.DB_POOL_SIZE);
const transport = nodemailer.createTransport({
  host: config.SMTP_HOST,
  port: config.SMTP_PORT,
  secure: config.SMTP_SECURE,
  pool: true,
  maxConnections: config.SMTP_POOL_SIZE,
});
const email = createEmailService({
  db,
  transport,
  from: config.MAIL_FROM,
  latencyMs: config.SMTP_LATENCY_MS,
  onSent: metrics.email,
});

const consumer = createConsumerRunner({
  keyConcurrency: config.CONSUMER_KEY_CONCURRENCY,
  kafka,
  groupId: GROUP,
  topics: [topics.orderStatus, topics.payments],
  producer,
  logger,
  metrics: metrics.consumer,
  handler: async (_topic, event) => {
    await email.handle(event as AnyEvent);
  },
});

const app = await createHttpApp({
  logger,
  metrics: metrics.registry,
  readiness: [
    databaseCheck(() => db.$queryRawUnsafe('select 1')),
    kafkaCheck(kafka),
    { name: 'smtp', check: async () => void (await transport.verify()) },
  ],
});
await emailRoutes(app, email);
await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, smtp: `${config.SMTP_HOST}:${config.SMTP_PORT}` },
  'email ready',
);

handleShutdown(logger, [
  ['http', () => app.close()],
  ['consumer', () => consumer.stop()],
  ['producer', () => producer.disconnect()],
  ['smtp', async () => transport.close()],
  ['database', () => db.$disconnect()],
]);
