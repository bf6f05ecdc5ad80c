import { type Attributes, context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { orderContext, sampled } from './kafka-spans.ts';
import { tracingEnabled } from './state.ts';

const tracer = () => trace.getTracer('@akaso/observability');

/**
 * A client span around a call no instrumentation sees (nodemailer's SMTP conversation), in the
 * trace of the order it is for (a batch handles several orders at once). With tracing off:
 * the call, nothing else.
 */
export async function withClientSpan<T>(
  name: string,
  attributes: Attributes,
  orderId: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return fn();
  const parent = orderContext(orderId);
  // An order that is not traced: no span, and none from the instrumented calls inside (Stripe).
  if (!parent || !sampled(parent)) return context.with(suppressTracing(context.active()), fn);
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs fn in the trace of the order it is for, so the spans it makes (a Stripe call through
 * the http instrumentation) land in that order's trace rather than the batch's.
 */
export function inOrderTrace<T>(orderId: string, fn: () => T): T {
  if (!tracingEnabled()) return fn();
  const ctx = orderContext(orderId);
  return context.with(ctx && sampled(ctx) ? ctx : suppressTracing(context.active()), fn);
}

/**
 * Runs fn outside the caller's trace: work a request starts that outlives it and is none of its
 * business (the dashboard's rush: each of its orders starts a trace of its own at the order API,
 * instead of thousands of calls joining the trace of the request that started the rush).
 */
export function outsideTrace<T>(fn: () => T): T {
  if (!tracingEnabled()) return fn();
  return context.with(ROOT_CONTEXT, fn);
}

/**
 * Names the HTTP server span after the route (`POST /orders/:id`, not `POST`), so Jaeger groups
 * requests by endpoint. For a Fastify onRequest hook.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (!tracingEnabled() || !route) return;
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/** The active trace's id when it is being recorded (sampled), else null. */
export function activeTraceId(): string | null {
  if (!tracingEnabled()) return null;
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && (ctx.traceFlags & 1) === 1 ? ctx.traceId : null;
}
