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
import { createStripeGateway } from './gateway.ts';
import { createPaymentService } from './payment-service.ts';
import { paymentRoutes } from './routes.ts';

const GROUP = 'payment';
const config = configOrExit();
const { logger, kafka, producer } = await startRuntime('payment', config, join(import.meta.dirname, '..'));
const metrics = createMetrics('payment');
const db = createDb(config.DATABASE_URL, config.DB_POOL_SIZE);
const relay = createOutboxRelay({
  connectionString: config.DATABASE_URL,
  lingerMs: config.OUTBOX_RELAY_LINGER_MS,
  producer,
  logger,
  onPublished: metrics.outbox.published,
  onBacklog: metrics.outbox.backlog,
});
const charge = createStripeGateway({
  secretKey: config.STRIPE_SECRET_KEY,
  apiBase: config.STRIPE_API_BASE,
  // stripe-mock cannot decline: answer Stripe's declining test cards ourselves when using it.
  simulateDeclines: config.PAYMENT_SIMULATE_DECLINES ?? config.STRIPE_API_BASE !== '',
  declineRate: config.PAYMENT_DECLINE_RATE,
  latencyMs: config.PAYMENT_LATENCY_MS,
});
const payments = createPaymentService({ db, charge, onOutboxWrite: () => relay.wake() });

const consumer = createConsumerRunner({
  keyConcurrency: config.CONSUMER_KEY_CONCURRENCY,
  kafka,
  groupId: GROUP,
  topics: [topics.inventory],
  producer,
  logger,
  metrics: metrics.consumer,
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
  metrics: metrics.registry,
  readiness: [databaseCheck(() => db.$queryRawUnsafe('select 1')), kafkaCheck(kafka)],
});
await paymentRoutes(app, payments);
await relay.start();
await consumer.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, stripe: config.STRIPE_API_BASE || 'Stripe API (test mode)' },
  'payment ready',
);

handleShutdown(logger, [
  ['http', () => app.close()],
  ['consumer', () => consumer.stop()],
  ['outbox relay', () => relay.stop()],
  ['producer', () => producer.disconnect()],
  ['database', () => db.$disconnect()],
]);
