import type { Logger } from '@akaso/config';
import type { Clock } from '@akaso/kafka';
import { createHttpApp, type HttpAppOptions, type Metrics, type ReadinessCheck } from '@akaso/service';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { OrderService } from './orders/order-service.ts';
import type { StatusFeed } from './orders/status-feed.ts';
import type { PlaceSync } from './orders/sync-flow.ts';
import { menuRoutes } from './routes/menu.ts';
import { genRequestId, orderRoutes } from './routes/orders.ts';
import { MAX_PATH_PARAM_LENGTH } from './routes/schemas.ts';
import type { StreamLimits } from './routes/status-streams.ts';
import { storefrontRoutes } from './routes/storefront.ts';

export interface AppDeps {
  logger: Logger;
  orders: OrderService;
  placeSync: PlaceSync;
  feed: StatusFeed;
  readiness: ReadinessCheck[];
  bodyLimit: number;
  metrics: Metrics;
  /** Mailpit's web inbox, linked from the storefront. */
  mailpitWebUrl: string;
  /** Caps on open SSE streams (tests lower them). */
  streamLimits?: Partial<StreamLimits>;
  /** The SSE streams' timers (tests drive them; default: the process clock). */
  streamClock?: Clock;
  /** The dashboard, whose waterfall page (trace.html) the storefront links each order's trace to. */
  dashboardWebUrl?: string;
  /** Jaeger's UI, a second trace link where there is one (compose). */
  jaegerWebUrl?: string;
  /** HTTP bounds (createHttpApp's defaults when not given). */
  httpTimeouts?: HttpAppOptions['timeouts'];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Order matters: the shared base (error contract, health) first, then the OpenAPI document
  // (it collects the schemas of routes registered after it), then the domain routes.
  const base = await createHttpApp({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    readiness: deps.readiness,
    genReqId: genRequestId,
    metrics: deps.metrics.registry,
    // Every userId the schema allows is routed, however it is encoded; longer is 414.
    maxParamLength: MAX_PATH_PARAM_LENGTH,
    ...(deps.httpTimeouts ? { timeouts: deps.httpTimeouts } : {}),
  });
  // The funnel's first stage, counted from the answers of POST /orders.
  base.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.url !== '/orders') return;
    const mode = (request.query as { mode?: string }).mode === 'sync' ? 'sync' : 'async';
    const code = reply.statusCode;
    deps.metrics.order(code < 300 ? 'accepted' : code === 429 ? 'refused' : 'invalid', mode);
  });
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Akaso Burger order API',
        version: '1.0.0',
        description: 'Asynchronous order processing on Kafka: place an order, follow its status.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(menuRoutes, { orders: deps.orders });
  await app.register(orderRoutes, {
    orders: deps.orders,
    placeSync: deps.placeSync,
    feed: deps.feed,
    ...(deps.streamLimits ? { streamLimits: deps.streamLimits } : {}),
    ...(deps.streamClock ? { streamClock: deps.streamClock } : {}),
  });
  await app.register(storefrontRoutes, {
    mailpitWebUrl: deps.mailpitWebUrl,
    dashboardWebUrl: deps.dashboardWebUrl,
    jaegerWebUrl: deps.jaegerWebUrl,
  });
  return base;
}
