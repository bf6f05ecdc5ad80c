import { AppError } from '@akaso/service';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { isJaegerAnswer, TraceBody, toTraceView } from './trace-view.ts';

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export interface TraceRoutesOptions {
  /** Jaeger's query API (the HTTP port its UI would use; the local build serves the API only). */
  jaegerQueryUrl: string;
  /** The order API, where `?order=<orderId>` finds the order's traceId (GET /orders/:id). */
  orderApiUrl?: string;
  /** A Jaeger (or order API) that stops answering is treated as down after this long. */
  timeoutMs?: number;
  /** Tests pass a stand-in; the real fetch otherwise. */
  fetch?: typeof fetch;
}

export const traceRoutesDefaults = { timeoutMs: 3_000 } as const satisfies Partial<TraceRoutesOptions>;

/**
 * GET /api/traces/:traceId: one order's spans for the waterfall page (public/trace.html), read
 * from Jaeger's query API and normalised (trace-view.ts). Spans reach Jaeger in batches, seconds
 * after the order: "not there yet" is a 404 the page retries, "Jaeger does not answer" a 503.
 */
export const traceRoutes: FastifyPluginAsyncTypebox<TraceRoutesOptions> = async (app, opts) => {
  const base = opts.jaegerQueryUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? traceRoutesDefaults.timeoutMs;
  const fetchImpl = opts.fetch ?? fetch;
  const unavailable = (why: string, cause?: unknown, what = `the trace store (Jaeger at ${base})`) =>
    new AppError('UPSTREAM_UNAVAILABLE', `${what} ${why}`, {}, { cause });
  /** GET `url` within the timeout; a network failure or silence is `unavailable`. */
  async function get(url: string, what?: string): Promise<Response> {
    try {
      return await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw unavailable(timedOut ? `did not answer within ${timeoutMs} ms` : 'is unreachable', err, what);
    }
  }

  app.get(
    '/api/traces/:traceId',
    {
      schema: {
        summary: "One order's trace as a waterfall: its spans across the services and the Kafka hops",
        params: Type.Object({
          traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: 'W3C trace id: 32 hex digits' }),
        }),
        response: { 200: TraceBody, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const traceId = request.params.traceId.toLowerCase();
      const res = await get(`${base}/api/traces/${traceId}`);
      const body: unknown = await res.json().catch(() => null);
      // Jaeger answers 404 (with `errors`) for a trace it does not hold.
      if (res.status === 404) throw new AppError('NOT_FOUND', `no trace ${traceId} in Jaeger (yet)`);
      if (!res.ok || !isJaegerAnswer(body)) throw unavailable(`answered ${res.status} without a trace`);
      const view = toTraceView(body);
      if (!view) throw new AppError('NOT_FOUND', `no trace ${traceId} in Jaeger (yet)`);
      reply.header('cache-control', 'no-store');
      return view;
    },
  );

  const orderApi = opts.orderApiUrl?.replace(/\/+$/, '');
  if (!orderApi) return;
  app.get(
    '/api/orders/:orderId/trace-id',
    {
      schema: {
        summary: "An order's traceId, from the order API (GET /orders/:id): trace.html?order=<orderId>",
        params: Type.Object({
          orderId: Type.String({
            pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
          }),
        }),
        response: {
          200: Type.Object({ orderId: Type.String(), traceId: Type.String() }),
          400: ErrorBody,
          404: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      const res = await get(`${orderApi}/orders/${orderId}`, `the order API (${orderApi})`);
      if (res.status === 404) throw new AppError('NOT_FOUND', `no order ${orderId}`);
      const order = (await res.json().catch(() => null)) as { traceId?: unknown } | null;
      if (!res.ok || order === null)
        throw unavailable(`answered ${res.status}`, undefined, `the order API (${orderApi})`);
      // Not sampled (OTEL_TRACES_SAMPLER_ARG, TRACES_MAX_PER_SECOND): the order has no trace.
      if (typeof order.traceId !== 'string')
        throw new AppError('NOT_FOUND', `order ${orderId} was not traced (sampling)`);
      return { orderId, traceId: order.traceId };
    },
  );
};
