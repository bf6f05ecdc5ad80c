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
import { createInventoryService } from './inventory-service.ts';
import { inventoryRoutes } from './routes.ts';

const config = configOrExit();
const logger = createLogger('inventory', config.LOG_LEVEL);
const GROUP = 'inventory';

const kafka = createKafka({
  clientId: 'inventory',
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
const inventory = createInventoryService({ db, onOutboxWrite: () => relay.wake() });
await inventory.seed(config.INVENTORY_SEED_STOCK);

const consumer = createConsumerRunner({
  kafka,
  groupId: GROUP,
  topics: [topics.orders, topics.payments],
  producer,
  logger,
  handler: async (_topic, event, ctx) => {
    const opts = { group: GROUP, correlationId: ctx.correlationId, emit: true };
    if (event.type === 'OrderPlaced') await inventory.reserve(event, opts);
    else if (event.type === 'PaymentFailed') await inventory.release(event, opts);
  },
});

const app = await createHttpApp({
  logger,
  readiness: [{ name: 'database', check: async () => void (await db.$queryRawUnsafe('select 1')) }],
});
await inventoryRoutes(app, inventory);
await relay.start();
await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'inventory ready');

handleShutdown(logger, [
  ['http', () => app.close()],
  ['consumer', () => consumer.stop()],
  ['outbox relay', () => relay.stop()],
  ['producer', () => producer.disconnect()],
  ['database', () => db.$disconnect()],
]);
