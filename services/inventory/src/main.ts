import { join } from 'node:path';
import { topics } from '@akaso/contracts';
import { createConsumerRunner } from '@akaso/kafka';
import { createOutboxRelay } from '@akaso/outbox';
import {
  createHttpApp,
  createMetrics,
  databaseCheck,
  handleShutdown,
  kafkaCheck,
  startRuntime,
} from '@akaso/service';
import { configOrExit } from './config.ts';
import { createDb } from './db.ts';
import { createInventoryService } from './inventory-service.ts';
import { inventoryRoutes } from './routes.ts';

const GROUP = 'inventory';
const config = configOrExit();
const { logger, kafka, producer } = await startRuntime('inventory', config, join(import.meta.dirname, '..'));
const metrics = createMetrics('inventory');
const db = createDb(config.DATABASE_URL, config.DB_POOL_SIZE);
const relay = createOutboxRelay({
  connectionString: config.DATABASE_URL,
  lingerMs: config.OUTBOX_RELAY_LINGER_MS,
  producer,
  logger,
  onPublished: metrics.outbox.published,
  onBacklog: metrics.outbox.backlog,
});
const inventory = createInventoryService({ db, onOutboxWrite: () => relay.wake() });
await inventory.seed(config.INVENTORY_SEED_STOCK);

const consumer = createConsumerRunner({
  keyConcurrency: config.CONSUMER_KEY_CONCURRENCY,
  kafka,
  groupId: GROUP,
  topics: [topics.orders, topics.payments],
  producer,
  logger,
  metrics: metrics.consumer,
  handler: async (_topic, event, ctx) => {
    const opts = { group: GROUP, correlationId: ctx.correlationId, emit: true };
    if (event.type === 'OrderPlaced') await inventory.reserve(event, opts);
    else if (event.type === 'PaymentFailed') await inventory.release(event, opts);
  },
});

const app = await createHttpApp({
  logger,
  metrics: metrics.registry,
  readiness: [databaseCheck(() => db.$queryRawUnsafe('select 1')), kafkaCheck(kafka)],
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
