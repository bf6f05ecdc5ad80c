import { join } from 'node:path';
import { type AnyEvent, topics } from '@akaso/contracts';
import { perDelivery } from '@akaso/kafka';
import { runService } from '@akaso/service';
import { buildApp } from './app.ts';
import { systemClock } from './clock.ts';
import { ConfigSchema } from './config.ts';
import { createDatabase } from './db.ts';
import { seedMenu } from './menu.ts';
import { createOrderService } from './orders/order-service.ts';
import { createStatusFeed } from './orders/status-feed.ts';
import { createSyncFlow } from './orders/sync-flow.ts';

const GROUP = 'order-status';

// order-api: POST /orders (the 5-burger rule, the outbox), the order-status projector (group
// `order-status`), the status views and SSE feed, the storefront.
await runService({
  name: 'order-api',
  config: ConfigSchema,
  root: join(import.meta.dirname, '..'),
  async setup({ config, logger, metrics, wakeOutbox }) {
    const database = createDatabase(config.DATABASE_URL, config.DB_POOL_SIZE);
    await database.prisma.burger.createMany({ data: [...seedMenu], skipDuplicates: true });
    const orderServiceOptions = {
      clock: systemClock,
      quota: { limit: config.QUOTA_LIMIT, windowMs: config.QUOTA_WINDOW_HOURS * 3_600_000 },
      sale: {
        discountPercent: config.SALE_DISCOUNT_PERCENT,
        startsAt: new Date(config.SALE_STARTS_AT),
        endsAt: new Date(config.SALE_ENDS_AT),
      },
      currency: config.CURRENCY,
      onOutboxWrite: wakeOutbox,
    };
    const orders = createOrderService({ db: database.prisma, pool: database.pool, ...orderServiceOptions });
    // The order-status consumer has its own pool: it can never starve POST /orders of connections.
    const consumerDatabase = createDatabase(config.DATABASE_URL, config.CONSUMER_DB_POOL_SIZE, {
      name: 'order-api-consumer',
    });
    const consumerOrders = createOrderService({
      db: consumerDatabase.prisma,
      pool: consumerDatabase.pool,
      ...orderServiceOptions,
    });
    const feed = createStatusFeed(config.DATABASE_URL, logger);
    const placeSync = createSyncFlow(orders, {
      inventoryUrl: config.INVENTORY_URL,
      paymentUrl: config.PAYMENT_URL,
      emailUrl: config.EMAIL_URL,
    });
    return {
      consumer: {
        groupId: GROUP,
        topics: [topics.inventory, topics.payments],
        enabled: config.CONSUME,
        handler: perDelivery(async (d) => {
          const outcome = await consumerOrders.applyEvent(d.event as AnyEvent, {
            group: GROUP,
            correlationId: d.correlationId,
            emit: true,
          });
          // Counted once per change: a late event that moves nothing is not a second confirmation.
          if (outcome?.changed && outcome.status !== 'received') metrics.order(outcome.status);
        }),
      },
      app: ({ readiness }) =>
        buildApp({
          logger,
          orders,
          placeSync,
          feed,
          bodyLimit: config.BODY_LIMIT_BYTES,
          metrics,
          mailpitWebUrl: config.MAILPIT_WEB_URL,
          readiness,
        }),
      start: () => feed.start(),
      stop: [
        ['status feed', () => feed.stop()],
        ['order databases', () => Promise.all([database.close(), consumerDatabase.close()])],
      ],
      describe: { docs: `http://${config.HOST}:${config.PORT}/docs` },
    };
  },
});
