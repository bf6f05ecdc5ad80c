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
import { createOutboxRelay } from '@akaso/outbox';
import { handleShutdown, migrateDatabase, retryStartup } from '@akaso/service';
import { buildApp } from './app.ts';
import { systemClock } from './clock.ts';
import { configOrExit } from './config.ts';
import { createDb } from './db.ts';
import { seedMenu } from './menu.ts';
import { createOrderService } from './orders/order-service.ts';
import { createStatusFeed } from './orders/status-feed.ts';
import { createSyncFlow } from './orders/sync-flow.ts';

const config = configOrExit();
const logger = createLogger('order-api', config.LOG_LEVEL);
const GROUP = 'order-status';

const kafka = createKafka({
  clientId: 'order-api',
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
await db.burger.createMany({ data: [...seedMenu], skipDuplicates: true });
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
const orders = createOrderService({
  db,
  clock: systemClock,
  quota: { limit: config.QUOTA_LIMIT, windowMs: config.QUOTA_WINDOW_HOURS * 3_600_000 },
  sale: {
    discountPercent: config.SALE_DISCOUNT_PERCENT,
    startsAt: new Date(config.SALE_STARTS_AT),
    endsAt: new Date(config.SALE_ENDS_AT),
  },
  currency: config.CURRENCY,
  onOutboxWrite: () => relay.wake(),
});
const feed = createStatusFeed(config.DATABASE_URL, logger);
const placeSync = createSyncFlow(orders, {
  inventoryUrl: config.INVENTORY_URL,
  paymentUrl: config.PAYMENT_URL,
  emailUrl: config.EMAIL_URL,
});

const consumer = createConsumerRunner({
  kafka,
  groupId: GROUP,
  topics: [topics.inventory, topics.payments],
  producer,
  logger,
  handler: async (_topic, event, ctx) => {
    await orders.applyEvent(event as AnyEvent, {
      group: GROUP,
      correlationId: ctx.correlationId,
      emit: true,
    });
  },
});

const app = await buildApp({
  logger,
  orders,
  placeSync,
  feed,
  bodyLimit: config.BODY_LIMIT_BYTES,
  readiness: [
    { name: 'database', check: async () => void (await db.$queryRawUnsafe('select 1')) },
    {
      name: 'kafka',
      check: async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.describeCluster();
        } finally {
          await admin.disconnect();
        }
      },
    },
  ],
});

await feed.start();
await relay.start();
if (config.CONSUME) await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, docs: `http://${config.HOST}:${config.PORT}/docs` },
  'order-api ready',
);

handleShutdown(logger, [
  ['http', () => app.close()],
  ['consumer', () => (config.CONSUME ? consumer.stop() : Promise.resolve())],
  ['outbox relay', () => relay.stop()],
  ['producer', () => producer.disconnect()],
  ['status feed', () => feed.stop()],
  ['database', () => db.$disconnect()],
]);
