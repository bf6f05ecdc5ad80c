import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installErrorHandler } from '@akaso/service';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '@akaso/config';
import type { OrderService } from './orders/order-service.ts';
import type { StatusFeed } from './orders/status-feed.ts';
import type { PlaceSync } from './orders/sync-flow.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { menuRoutes } from './routes/menu.ts';
import { genRequestId, orderRoutes } from './routes/orders.ts';

export interface AppDeps {
  logger: Logger;
  orders: OrderService;
  placeSync: PlaceSync;
  feed: StatusFeed;
  readiness: ReadinessCheck[];
  bodyLimit: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const base = Fastify({
    // pino 10 here, fastify's own pino types are 9's: the same logger API.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    genReqId: genRequestId,
    // Per-request lines are off (a rush logs thousands a second); errors are still logged.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    ajv: {
      // Reject unknown fields instead of silently dropping them; never turn "2" into 2 in a body.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
    },
  });
  // Order matters: the error contract first (it must cover every route), then the OpenAPI
  // document (it collects the schemas of routes registered after it), then the routes.
  installErrorHandler(base);
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
  await app.register(healthRoutes, { checks: deps.readiness });
  await app.register(menuRoutes, { orders: deps.orders });
  await app.register(orderRoutes, { orders: deps.orders, placeSync: deps.placeSync, feed: deps.feed });
  return base;
}
