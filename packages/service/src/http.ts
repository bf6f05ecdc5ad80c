import { nameServerSpan } from '@akaso/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type HttpTimeouts, httpTimeoutDefaults } from './config.ts';
import { frameworkErrorHandler, installErrorHandler } from './errors.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';

export interface HttpAppOptions {
  logger: Logger;
  /** Served at GET /metrics (Prometheus text format). */
  metrics?: Registry;
  bodyLimit?: number;
  readiness: ReadinessCheck[];
  genReqId?: (req: { headers: Record<string, string | string[] | undefined> }) => string;
  /** Longest path parameter the router accepts (longer: 414 URI_TOO_LONG); Fastify's default 100. */
  maxParamLength?: number;
  /** HTTP_REQUEST_TIMEOUT_MS, HTTP_CONNECTION_TIMEOUT_MS, READINESS_CHECK_TIMEOUT_MS (httpTimeoutDefaults). */
  timeouts?: Partial<HttpTimeouts>;
}

/**
 * The Fastify instance every service starts from: the { code, message } error contract, strict
 * body validation, /healthz and /readyz. Routes are registered on it afterwards.
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const timeouts = { ...httpTimeoutDefaults, ...opts.timeouts };
  const app = Fastify({
    // A client that sends its request slowly (or never finishes it) holds a socket this long at
    // most; an idle keep-alive socket is closed after connectionTimeout. Neither ends a response
    // in progress: an SSE stream writes a keep-alive comment well within connectionTimeout.
    requestTimeout: timeouts.requestTimeoutMs,
    connectionTimeout: timeouts.connectionTimeoutMs,
    // pino 10 here, fastify's own pino types are 9's: the same logger API.
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    ...(opts.genReqId ? { genReqId: opts.genReqId } : {}),
    routerOptions: { maxParamLength: opts.maxParamLength ?? 100 },
    frameworkErrors: frameworkErrorHandler,
    // Per-request lines are off (a rush logs thousands a second); errors are still logged.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    ajv: {
      // Reject unknown fields instead of silently dropping them; never turn "2" into 2 in a body.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
    },
  });
  installErrorHandler(app);
  // Jaeger groups server spans by route: `GET /orders/:id`, not `GET`.
  app.addHook('onRequest', async (request) => nameServerSpan(request.method, request.routeOptions.url));
  await app.register(healthRoutes, { checks: opts.readiness, timeoutMs: timeouts.readinessCheckMs });
  const registry = opts.metrics;
  if (registry) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }
  return app;
}
