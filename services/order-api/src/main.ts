import { join } from 'node:path';
import { type AnyEvent, groupTopics } from '@akaso/contracts';
import { databaseTimeouts, runService } from '@akaso/service';
import { buildApp } from './app.ts';
import { systemClock } from './clock.ts';
import { ConfigSchema } from './config.ts';
import { createDatabase } from './db.ts';
import { seedMenu } from './menu.ts';
import { createOrderService } from './orders/order-service.ts';
import { inlineHandoff } from './orders/place-order.ts';
import { createIdempotencyRetention } from './orders/retention.ts';
import { createStatusConsumer } from './orders/status-consumer.ts';
import { createStatusFeed } from './orders/status-feed.ts';
import { createStatusProjector } from './orders/status-projector.ts';
import { createSyncFlow } from './orders/sync-flow.ts';

const GROUP = 'order-status';

// order-api: POST /orders (the 5-burger rule, the outbox), the order-status projector (group
// `order-status`), the status views and SSE feed, the synchronous baseline, the storefront.
await runService({
  name: 'order-api',
  config: ConfigSchema,
  root: join(import.meta.dirname, '..'),
  async setup({ config, logger, metrics, wakeOutbox }) {
    const timeouts = databaseTimeouts(config);
    const database = createDatabase(config.DATABASE_URL, config.DB_POOL_SIZE, {
      timeouts: { ...timeouts, lockTimeoutMs: config.ORDER_LOCK_TIMEOUT_MS },
    });
    const db = database.prisma;
    await db.burger.createMany({ data: [...seedMenu], skipDuplicates: true });
    const orders = createOrderService({
      db,
      pool: database.pool,
      clock: systemClock,
      quota: { limit: config.QUOTA_LIMIT, windowMs: config.QUOTA_WINDOW_HOURS * 3_600_000 },
      sale: {
        discountPercent: config.SALE_DISCOUNT_PERCENT,
        startsAt: new Date(config.SALE_STARTS_AT),
        endsAt: new Date(config.SALE_ENDS_AT),
      },
      currency: config.CURRENCY,
      onOutboxWrite: wakeOutbox,
      writer: { maxQueue: config.ORDER_WRITER_MAX_QUEUE },
    });
    // The order-status consumer has its own pool: it can never starve POST /orders of connections.
    const consumerDatabase = createDatabase(config.DATABASE_URL, config.CONSUMER_DB_POOL_SIZE, {
      name: 'order-api-consumer',
      timeouts,
    });
    const handleStatusEvents = createStatusConsumer({
      pool: consumerDatabase.pool,
      clock: systemClock,
      group: GROUP,
      onOutboxWrite: wakeOutbox,
    });
    const feed = createStatusFeed(config.DATABASE_URL, logger, timeouts);
    const syncProjector = createStatusProjector({ pool: database.pool, clock: systemClock });
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
      internalToken: config.INTERNAL_API_TOKEN,
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
    return {
      consumer: {
        groupId: GROUP,
        topics: [...groupTopics[GROUP]],
        enabled: config.CONSUME,
        handler: async (deliveries) => {
          const projections = await handleStatusEvents(
            deliveries.map((d) => ({ event: d.event as AnyEvent, correlationId: d.correlationId })),
          );
          // Counted once per change: a late event that moves nothing is not a second confirmation.
          for (const p of projections) if (p.changed && p.status !== 'received') metrics.order(p.status);
        },
      },
      app: ({ readiness, httpTimeouts }) =>
        buildApp({
          logger,
          orders,
          placeSync,
          feed,
          bodyLimit: config.BODY_LIMIT_BYTES,
          metrics,
          mailpitWebUrl: config.MAILPIT_WEB_URL,
          dashboardWebUrl: config.DASHBOARD_WEB_URL,
          jaegerWebUrl: config.JAEGER_WEB_URL || undefined,
          readiness,
          httpTimeouts,
          streamLimits: {
            maxStreamsPerClient: config.SSE_MAX_STREAMS_PER_CLIENT,
            maxLifetimeMs: config.SSE_MAX_LIFETIME_MS,
          },
        }),
      readiness: [
        {
          name: 'status feed',
          check: async () => {
            if (!feed.connected) throw new Error('LISTEN connection down, reconnecting');
          },
        },
      ],
      async start() {
        await feed.start();
        retention.start();
      },
      stop: [
        ['sync settlements', () => placeSync.settled()],
        ['idempotency retention', () => retention.stop()],
        ['status feed', () => feed.stop()],
        ['order databases', () => Promise.all([database.close(), consumerDatabase.close()])],
      ],
      describe: { docs: `http://${config.HOST}:${config.PORT}/docs` },
    };
  },
});
