import { AppError } from '@akaso/service';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { isJaegerAnswer, TraceBody, toTraceView } from './trace-view.ts';

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export interface TraceRoutesOptions {
  /** Jaeger's query API (the HTTP port its UI would use; the local build serves the API only). */
  jaegerQueryUrl: string;
  /** A Jaeger that stops answering is treated as down after this long. */
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
  const unavailable = (why: string, cause?: unknown) =>
    new AppError('UPSTREAM_UNAVAILABLE', `the trace store (Jaeger at ${base}) ${why}`, {}, { cause });

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
      let res: Response;
      try {
        res = await fetchImpl(`${base}/api/traces/${traceId}`, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        throw unavailable(timedOut ? `did not answer within ${timeoutMs} ms` : 'is unreachable', err);
      }
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
};
