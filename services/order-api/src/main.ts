import { join } from 'node:path';
import { type AnyEvent, topics } from '@akaso/contracts';
import { createConsumerRunner } from '@akaso/kafka';
import { createOutboxRelay } from '@akaso/outbox';
import { createMetrics, databaseCheck, handleShutdown, kafkaCheck, startRuntime } from '@akaso/service';
import { buildApp } from './app.ts';
import { systemClock } from './clock.ts';
import { configOrExit } from './config.ts';
import { createDatabase } from './db.ts';
import { seedMenu } from './menu.ts';
import { createOrderService } from './orders/order-service.ts';
import { inlineHandoff } from './orders/place-order.ts';
import { createIdempotencyRetention } from './orders/retention.ts';
import { createStatusConsumer } from './orders/status-consumer.ts';
import { createStatusFeed } from './orders/status-feed.ts';
import { createStatusProjector } from './orders/status-projector.ts';
import { createSyncFlow } from './orders/sync-flow.ts';

const config = configOrExit();
const GROUP = 'order-status';
const { logger, kafka, producer } = await startRuntime('order-api', config, join(import.meta.dirname, '..'));
const metrics = createMetrics('order-api');
const database = createDatabase(config.DATABASE_URL, config.DB_POOL_SIZE);
const db = database.prisma;
await db.burger.createMany({ data: [...seedMenu], skipDuplicates: true });

const relay = createOutboxRelay({
  connectionString: config.DATABASE_URL,
  lingerMs: config.OUTBOX_RELAY_LINGER_MS,
  producer,
  logger,
  onPublished: metrics.outbox.published,
  onBacklog: metrics.outbox.backlog,
});
const orderServiceOptions = {
  clock: systemClock,
  quota: { limit: config.QUOTA_LIMIT, windowMs: config.QUOTA_WINDOW_HOURS * 3_600_000 },
  sale: {
    discountPercent: config.SALE_DISCOUNT_PERCENT,
    startsAt: new Date(config.SALE_STARTS_AT),
    endsAt: new Date(config.SALE_ENDS_AT),
  },
  currency: config.CURRENCY,
  onOutboxWrite: () => relay.wake(),
};
const orders = createOrderService({ db, pool: database.pool, ...orderServiceOptions });
// The order-status consumer works 12 partitions at once: with its own pool it cannot starve
// POST /orders of connections (the API's pool stays for customers).
const consumerDatabase = createDatabase(config.DATABASE_URL, config.CONSUMER_DB_POOL_SIZE, {
  name: 'order-api-consumer',
});
const handleStatusEvent = createStatusConsumer({
  db: consumerDatabase.prisma,
  projector: createStatusProjector({ db: consumerDatabase.prisma, clock: systemClock }),
  group: GROUP,
  onOutboxWrite: () => relay.wake(),
});
const feed = createStatusFeed(config.DATABASE_URL, logger);
const syncProjector = createStatusProjector({ db, clock: systemClock });
const placeSync = createSyncFlow({
  place: (input, opts) => orders.placement.place(input, opts, inlineHandoff),
  apply: syncProjector.apply,
  abandon: syncProjector.abandon,
  statusOf: syncProjector.statusOf,
  endpoints: {
    inventoryUrl: config.INVENTORY_URL,
    paymentUrl: config.PAYMENT_URL,
    emailUrl: config.EMAIL_URL,
  },
  stepTimeoutMs: config.SYNC_STEP_TIMEOUT_MS,
  settleTimeoutMs: config.SYNC_SETTLE_TIMEOUT_MS,
  logger,
});
const retention = createIdempotencyRetention({
  pool: database.pool,
  clock: systemClock,
  logger,
  ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
  intervalMs: config.IDEMPOTENCY_RETENTION_INTERVAL_MS,
});

const consumer = createConsumerRunner({
  keyConcurrency: config.CONSUMER_KEY_CONCURRENCY,
  kafka,
  groupId: GROUP,
  topics: [topics.inventory, topics.payments],
  producer,
  logger,
  metrics: metrics.consumer,
  handler: async (_topic, event, ctx) => {
    const outcome = await handleStatusEvent(event as AnyEvent, ctx);
    // Counted once per change: a late event that moves nothing is not a second confirmation.
    if (outcome?.changed && outcome.status !== 'received') metrics.order(outcome.status);
  },
});

const app = await buildApp({
  logger,
  orders,
  placeSync,
  feed,
  bodyLimit: config.BODY_LIMIT_BYTES,
  metrics,
  mailpitWebUrl: config.MAILPIT_WEB_URL,
  readiness: [databaseCheck(() => db.$queryRawUnsafe('select 1')), kafkaCheck(kafka)],
});

await feed.start();
await relay.start();
retention.start();
if (config.CONSUME) await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, docs: `http://${config.HOST}:${config.PORT}/docs` },
  'order-api ready',
);

handleShutdown(logger, [
  ['http', () => app.close()],
  ['sync settlements', () => placeSync.settled()],
  ['idempotency retention', () => retention.stop()],
  ['consumer', () => (config.CONSUME ? consumer.stop() : Promise.resolve())],
  ['outbox relay', () => relay.stop()],
  ['producer', () => producer.disconnect()],
  ['status feed', () => feed.stop()],
  ['database', () => Promise.all([database.close(), consumerDatabase.close()])],
]);
