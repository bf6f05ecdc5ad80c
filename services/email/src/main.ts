import { join } from 'node:path';
import { createLogger, parseBrokers } from '@akaso/config';
import { type AnyEvent, allTopics, topics } from '@akaso/contracts';
import {
  createConsumerRunner,
  createKafka,
  createProducer,
  pipelineTopicSpecs,
  provisionTopics,
} from '@akaso/kafka';
import { createHttpApp, handleShutdown, migrateDatabase, retryStartup } from '@akaso/service';
import nodemailer from 'nodemailer';
import { configOrExit } from './config.ts';
import { createDb } from './db.ts';
import { createEmailService } from './email-service.ts';
import { emailRoutes } from './routes.ts';

const config = configOrExit();
const logger = createLogger('email', config.LOG_LEVEL);
const GROUP = 'email';

const kafka = createKafka({
  clientId: 'email',
  brokers: parseBrokers(config.KAFKA_BROKERS),
  logger,
  logLevel: 'warn',
});
// Email produces no events; this producer only dead-letters poison messages.
const producer = createProducer(kafka);
const db = createDb(config.DATABASE_URL, config.DB_POOL_SIZE);
const transport = nodemailer.createTransport({
  host: config.SMTP_HOST,
  port: config.SMTP_PORT,
  secure: config.SMTP_SECURE,
  pool: true,
  maxConnections: config.SMTP_POOL_SIZE,
});

await retryStartup(
  'postgresql',
  () => migrateDatabase(config.DATABASE_URL, join(import.meta.dirname, '..', 'prisma', 'migrations'), logger),
  logger,
);
await retryStartup(
  'kafka',
  async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await provisionTopics(admin, pipelineTopicSpecs(allTopics));
    } finally {
      await admin.disconnect();
    }
  },
  logger,
);
await producer.connect();
const email = createEmailService({
  db,
  transport,
  from: config.MAIL_FROM,
  latencyMs: config.SMTP_LATENCY_MS,
});

const consumer = createConsumerRunner({
  kafka,
  groupId: GROUP,
  topics: [topics.orderStatus, topics.payments],
  producer,
  logger,
  handler: async (_topic, event) => {
    await email.handle(event as AnyEvent);
  },
});

const app = await createHttpApp({
  logger,
  readiness: [
    { name: 'database', check: async () => void (await db.$queryRawUnsafe('select 1')) },
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
