import { join } from 'node:path';
import { groupTopics } from '@akaso/contracts';
import { outboxSink } from '@akaso/outbox';
import { runService } from '@akaso/service';
import { ConfigSchema } from './config.ts';
import { createStripeGateway } from './gateway.ts';
import { createPaymentService, type Incoming } from './payment-service.ts';
import { paymentRoutes } from './routes.ts';

// Payment: charges the card (Stripe) once stock is reserved.
await runService({
  name: 'payment',
  config: ConfigSchema,
  root: join(import.meta.dirname, '..'),
  async setup({ config, pool, wakeOutbox, flags }) {
    const gateway = createStripeGateway({
      secretKey: config.STRIPE_SECRET_KEY,
      apiBase: config.STRIPE_API_BASE,
      // stripe-mock cannot decline: answer Stripe's declining test cards ourselves when using it.
      simulateDeclines: config.PAYMENT_SIMULATE_DECLINES ?? config.STRIPE_API_BASE !== '',
      declineRate: config.PAYMENT_DECLINE_RATE,
      latencyMs: config.PAYMENT_LATENCY_MS,
      // The fault panel's "card provider slow / failing", switched without a restart.
      flags,
    });
    const payments = createPaymentService({
      pool,
      charge: gateway.charge,
      group: 'payment',
      chargeConcurrency: config.PAYMENT_CHARGE_CONCURRENCY,
    });
    const sink = outboxSink(wakeOutbox);
    return {
      consumer: {
        groupId: 'payment',
        topics: [...groupTopics.payment],
        handler: async (deliveries, ctx) => {
          const inputs = deliveries.flatMap((d): Incoming[] =>
            d.event.type === 'StockReserved' ? [{ event: d.event, correlationId: d.correlationId }] : [],
          );
          await payments.apply(inputs, sink, ctx);
        },
      },
      routes: (app) => paymentRoutes(app, payments),
      readiness: [gateway.readiness],
      describe: { stripe: config.STRIPE_API_BASE || 'Stripe API (test mode)' },
    };
  },
});
