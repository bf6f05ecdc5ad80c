import {
  type Context,
  context,
  createContextKey,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { tracingEnabled } from './state.ts';

/**
 * Kafka spans by hand, after the OpenTelemetry messaging semantic conventions: kafkajs has no
 * maintained instrumentation, and what matters here is not the client's requests but the hops
 * of an order. The W3C `traceparent` travels in the outbox row's headers and then in the Kafka
 * message's headers; the gap between a `send` span and the `process` span that continues it is
 * the time the event waited in the topic (and in the consumer's fetch).
 */
const tracer = () => trace.getTracer('@akaso/observability');

/** Per order, the context its outgoing events continue (set while a consumed batch is handled). */
const ORDER_CONTEXTS = createContextKey('akaso.order-contexts');

/** What the consumer span needs of a delivery (structurally a @akaso/kafka Delivery). */
export interface TracedDelivery {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  event: { eventId: string; orderId: string; occurredAt: string };
}

function attributes(d: TracedDelivery, groupId: string) {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': d.topic,
    'messaging.destination.partition.id': String(d.partition),
    'messaging.consumer.group.name': groupId,
    'messaging.kafka.offset': Number(d.offset),
    'messaging.message.id': d.event.eventId,
    ...(d.key === null ? {} : { 'messaging.kafka.message.key': d.key }),
    'akaso.order_id': d.event.orderId,
  };
}

/**
 * A context worth continuing: a sampled trace. An order the API did not sample carries no
 * context past it (no traceparent in its outbox rows), so no hop after the API spends anything
 * on it: the unsampled path costs what tracing off costs.
 */
export const sampled = (ctx: Context) => {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
};

function fail(spans: Span[], err: unknown) {
  for (const s of spans) {
    s.recordException(err as Error);
    s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  }
}

/**
 * Runs one handler call (one database transaction over deliveries of several partitions) under
 * consumer spans. One delivery: one `process <topic>` span continuing its message's context.
 * Several: one `process` span for the call, linked to every message's context (as the
 * conventions want for batches), and a child span per message continuing that message's
 * context, so each order's trace still holds its hop. The events an order's handling writes to
 * the outbox continue that order's span (traceHeaders); the span of its newest message when
 * the call holds several of one order.
 */
export async function traceBatch<T>(
  groupId: string,
  deliveries: readonly TracedDelivery[],
  handle: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled() || deliveries.length === 0) return handle();
  const t = tracer();
  const parents = deliveries.map((d) => propagation.extract(ROOT_CONTEXT, d.headers));
  // Messages published untraced (not sampled, tracing off at the producer, a lab's own topic)
  // start no trace: a trace begins where an order does, at POST /orders.
  if (!parents.some(sampled)) return handle();
  const first = deliveries[0] as TracedDelivery;
  const topics = [...new Set(deliveries.map((d) => d.topic))].join(',');
  // One delivery: its context is the parent (a link to it too would only repeat it).
  const links: Link[] =
    deliveries.length === 1
      ? []
      : parents.filter(sampled).flatMap((p) => {
          const linked = trace.getSpanContext(p);
          return linked ? [{ context: linked }] : [];
        });
  const batchParent = deliveries.length === 1 ? (parents[0] as Context) : ROOT_CONTEXT;
  const batch = t.startSpan(
    `process ${topics}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes:
        deliveries.length === 1
          ? attributes(first, groupId)
          : {
              'messaging.system': 'kafka',
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'messaging.destination.name': topics,
              'messaging.consumer.group.name': groupId,
              'messaging.batch.message_count': deliveries.length,
            },
    },
    batchParent,
  );
  const batchCtx = trace.setSpan(batchParent, batch);
  const spans: Span[] = [batch];
  const byOrder = new Map<string, Context>();
  if (deliveries.length === 1) byOrder.set(first.event.orderId, batchCtx);
  else {
    const batchLink: Link = { context: batch.spanContext() };
    // Two messages of one order can meet in a call (order-api's projector: its StockReserved
    // and its PaymentSucceeded, on two topics, in either order). Each gets its own span; what
    // the call publishes for the order continues the newest one: an order only moves forward,
    // so its OrderConfirmed follows the payment, and the trace runs through payment. Delivery
    // order would pick whichever partition came last (a chain skipping payment, seen in a test).
    const newest = new Map<string, number>();
    deliveries.forEach((d, i) => {
      const parent = parents[i] as Context;
      // A message without a sampled traceparent starts nothing new.
      if (!sampled(parent)) return;
      const span = t.startSpan(
        `process ${d.topic}`,
        { kind: SpanKind.CONSUMER, links: [batchLink], attributes: attributes(d, groupId) },
        parent,
      );
      spans.push(span);
      const at = Date.parse(d.event.occurredAt);
      const seen = newest.get(d.event.orderId);
      if (seen !== undefined && at < seen) return;
      newest.set(d.event.orderId, at);
      byOrder.set(d.event.orderId, trace.setSpan(parent, span));
    });
  }
  try {
    return await context.with(batchCtx.setValue(ORDER_CONTEXTS, byOrder), handle);
  } catch (err) {
    fail(spans, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

/**
 * The trace headers an outgoing event carries in its outbox row: the context of the consumed
 * message of the same order when a batch is being handled, else the active one (the HTTP
 * request). Empty with tracing off, outside any trace, or for an order that is not traced.
 */
export function traceHeaders(orderId: string): Record<string, string> {
  if (!tracingEnabled()) return {};
  const target = orderContext(orderId);
  if (!target || !sampled(target)) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(target, carrier);
  return carrier;
}

/**
 * The context of this order's consumed message in the batch being handled, null if that order
 * is not traced (a batch mixes traced and untraced orders: the untraced one must not join the
 * batch's trace); outside a batch, the active context (the HTTP request).
 */
export function orderContext(orderId: string): Context | null {
  const active = context.active();
  const byOrder = active.getValue(ORDER_CONTEXTS) as Map<string, Context> | undefined;
  return byOrder ? (byOrder.get(orderId) ?? null) : active;
}

/** An outbox row on its way to Kafka (the relay's claimed row). */
export interface TracedRow {
  topic: string;
  key: string;
  headers: Record<string, string>;
}

/**
 * Runs the relay's send of claimed rows under one `send <topic>` producer span per row that
 * carries a trace context, each a child of the context stored with the row; the row's
 * `traceparent` is replaced by its send span's, so consumers continue from the publish. Rows
 * without one are sent as they are.
 */
export async function tracePublish<T>(rows: readonly TracedRow[], send: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return send();
  const t = tracer();
  const spans: Span[] = [];
  for (const row of rows) {
    if (!row.headers.traceparent) continue;
    const parent = propagation.extract(ROOT_CONTEXT, row.headers);
    if (!sampled(parent)) continue;
    const span = t.startSpan(
      `send ${row.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': row.topic,
          'messaging.kafka.message.key': row.key,
          ...(row.headers['event-id'] ? { 'messaging.message.id': row.headers['event-id'] } : {}),
          'messaging.batch.message_count': rows.length,
        },
      },
      parent,
    );
    propagation.inject(trace.setSpan(parent, span), row.headers);
    spans.push(span);
  }
  try {
    return await send();
  } catch (err) {
    fail(spans, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}
