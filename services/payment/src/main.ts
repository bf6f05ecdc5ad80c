import { join } from 'node:path';
import { createLogger, parseBrokers } from '@akaso/config';
import { allTopics, topics } from '@akaso/contracts';
import {
  createConsumerRunner,
  createKafka,
  createProducer,
  pipelineTopicSpecs,
  provisionTopics,
} from '@akaso/kafka';
import { createOutboxRelay } from '@akaso/outbox';
import { createHttpApp, handleShutdown, migrateDatabase, retryStartup } from '@akaso/service';
import { configOrExit } from './config.ts';
import { createDb } from './db.ts';
import { createStripeGateway } from './gateway.ts';
import { createPaymentService } from './payment-service.ts';
import { paymentRoutes } from './routes.ts';

const config = configOrExit();
const logger = createLogger('payment', config.LOG_LEVEL);
const GROUP = 'payment';

const kafka = createKafka({
  clientId: 'payment',
  brokers: parseBrokers(config.KAFKA_BROKERS),
  logger,
  logLevel: 'warn',
});
const producer = createProducer(kafka);
const db = createDb(config.DATABASE_URL, config.DB_POOL_SIZE);

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
const relay = createOutboxRelay({ connectionString: config.DATABASE_URL, producer, logger });
const charge = createStripeGateway({
  secretKey: config.STRIPE_SECRET_KEY,
  apiBase: config.STRIPE_API_BASE,
  simulateDeclines: config.PAYMENT_SIMULATE_DECLINES ?? config.STRIPE_API_BASE !== '',
  declineRate: config.PAYMENT_DECLINE_RATE,
  latencyMs: config.PAYMENT_LATENCY_MS,
});
const payments = createPaymentService({ db, charge, onOutboxWrite: () => relay.wake() });

const consumer = createConsumerRunner({
  kafka,
  groupId: GROUP,
  topics: [topics.inventory],
  producer,
  logger,
  handler: async (_topic, event, ctx) => {
    if (event.type === 'StockReserved') {
      await payments.handleStockReserved(event, {
        group: GROUP,
        correlationId: ctx.correlationId,
        emit: true,
      });
    }
  },
});

const app = await createHttpApp({
  logger,
  readiness: [{ name: 'database', check: async () => void (await db.$queryRawUnsafe('select 1')) }],
});
await paymentRoutes(app, payments);
await relay.start();
await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, stripe: config.STRIPE_API_BASE || 'api.stripe.com' },
  'payment ready',
);

handleShutdown(logger, [
  ['http', () => app.close()],
  ['consumer', () => consumer.stop()],
  ['outbox relay', () => relay.stop()],
  ['producer', () => producer.disconnect()],
  ['database', () => db.$disconnect()],
]);
