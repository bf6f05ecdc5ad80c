import { randomUUID } from 'node:crypto';
import type { Clock } from '@akaso/kafka';
import { activeTraceId } from '@akaso/observability';
import { AppError } from '@akaso/service';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { OrderService } from '../orders/order-service.ts';
import type { StatusFeed } from '../orders/status-feed.ts';
import type { PlaceSync } from '../orders/sync-flow.ts';
import {
  burgerIds,
  errors,
  OrderAccepted,
  OrderBody,
  OrderIdParams,
  PlaceOrderBody,
  retryable,
} from './schemas.ts';
import { createStreamHub, type StreamLimits, streamLimitDefaults } from './status-streams.ts';

export interface OrderRoutesDeps {
  orders: OrderService;
  placeSync: PlaceSync;
  feed: StatusFeed;
  /** Caps on open SSE streams (defaults: streamLimitDefaults). */
  streamLimits?: Partial<StreamLimits>;
  /** The SSE streams' timers (tests drive them; default: the process clock). */
  streamClock?: Clock;
}

export const orderRoutes: FastifyPluginAsyncTypebox<OrderRoutesDeps> = async (
  app,
  { orders, placeSync, feed, streamLimits: limits, streamClock },
) => {
  const streamLimits = { ...streamLimitDefaults, ...limits };
  app.post(
    '/orders',
    {
      schema: {
        summary: 'Place an order',
        description:
          'Checks the 5-burgers-per-24h rule, records the order and answers at once (202); the pipeline does the rest. ' +
          'With ?mode=sync the same steps run inline (the synchronous baseline) and the answer (200) waits for them.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          'x-correlation-id': Type.Optional(Type.String({ maxLength: 200 })),
        }),
        querystring: Type.Object({
          // Optional (the document must not call it required): absent means async.
          mode: Type.Optional(
            Type.Union([Type.Literal('async'), Type.Literal('sync')], { default: 'async' }),
          ),
        }),
        body: PlaceOrderBody,
        // Attached, not thrown: an unknown burger is 422 UNKNOWN_BURGER, the rest stays 400.
        response: {
          200: OrderAccepted,
          202: OrderAccepted,
          400: errors[400],
          413: errors[413],
          415: errors[415],
          422: errors[422],
          429: errors[429],
          502: errors[502],
          503: retryable(errors[503]),
        },
      },
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError) {
        const unknown = unknownBurgersOnly(request.body, request.getValidationFunction('body'));
        if (request.validationError.validationContext === 'body' && unknown.length > 0)
          throw new AppError('UNKNOWN_BURGER', `unknown burger: ${unknown.join(', ')}`, { unknown });
        throw request.validationError;
      }
      const correlationId = request.id;
      const idempotencyKey = request.headers['idempotency-key'];
      if (request.query.mode === 'sync') {
        const body = await placeSync(request.body, {
          correlationId,
          ...(idempotencyKey ? { idempotencyKey } : {}),
        });
        return reply.code(200).send(body);
      }
      const result = await orders.placeOrder(request.body, {
        correlationId,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).header('location', result.body.links.self).send(result.body);
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        summary: 'Current status of an order',
        params: OrderIdParams,
        response: {
          200: OrderBody,
          400: errors[400],
          404: errors[404],
          414: errors[414],
          503: retryable(errors[503]),
        },
      },
    },
    async (request) => {
      const order = await orders.getOrder(request.params.id);
      if (!order) throw new AppError('NOT_FOUND', `no order ${request.params.id}`);
      return { ...order, traceId: traceIdOf(order.correlationId) };
    },
  );

  const streams = createStreamHub({
    orders,
    feed,
    logger: app.log,
    ...streamLimits,
    ...(streamClock ? { clock: streamClock } : {}),
  });
  // Before the server waits for its connections to end: an open stream would keep it waiting.
  app.addHook('preClose', async () => streams.closeAll());

  app.get(
    '/orders/:id/events',
    {
      schema: {
        summary: 'Status changes as Server-Sent Events',
        description:
          'received → reserved → confirmed | rejected (with reason); the stream ends at a terminal state. ' +
          `At most ${streamLimits.maxStreamsPerOrder} streams per order, ${streamLimits.maxStreamsPerClient} per client address ` +
          `and ${streamLimits.maxStreams} in all per API instance: beyond, 503 TOO_MANY_STREAMS with Retry-After. ` +
          `The server ends a stream after ${streamLimits.maxLifetimeMs / 1000} s; a client that reconnects with ` +
          'Last-Event-ID (EventSource does) gets the changes after that event.',
        params: OrderIdParams,
        response: {
          200: {
            description: 'text/event-stream: `event: status` with data {orderId, id, status, reason, at}',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          400: errors[400],
          404: errors[404],
          414: errors[414],
          503: retryable(errors[503]),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // Claimed before any query: a flood of streams is refused without touching the database.
      const slot = streams.claim(id, request.ip);
      const after = lastEventId(request.headers['last-event-id']);
      let stream: ReturnType<typeof slot.open> | undefined;
      try {
        const order = await orders.getOrder(id);
        if (!order) throw new AppError('NOT_FOUND', `no order ${id}`);
        // Subscribed before the history is read, so a change in between is not missed.
        const opened = slot.open(order.orderId, reply.raw, after);
        stream = opened;
        const history = await orders.historySince(order.orderId, after);
        reply.hijack();
        opened.start(history);
        // The client may have gone while the history was read: then 'close' has already fired.
        reply.raw.on('close', () => opened.end());
        if (reply.raw.destroyed) opened.end();
      } catch (err) {
        stream?.discard();
        slot.release();
        throw err;
      }
    },
  );

  // Correlation ids: taken from the caller or generated, echoed back, and carried in events.
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
  });
};

/**
 * The caller's x-correlation-id, else the request's trace id (32 hex digits: the order's trace
 * in Jaeger, so the id every log line and event carries also opens the trace), else a UUID.
 * Fastify calls this inside the request's server span.
 */
export const genRequestId = (req: { headers: Record<string, string | string[] | undefined> }) => {
  const given = req.headers['x-correlation-id'];
  if (typeof given === 'string' && given.length > 0 && given.length <= 200) return given;
  return activeTraceId() ?? randomUUID();
};

/**
 * The burger ids of a body that is valid except for naming burgers not on the menu (then the
 * answer is 422 UNKNOWN_BURGER, as before the schema listed the menu); [] for any other fault.
 */
function unknownBurgersOnly(body: unknown, validate: ((input: unknown) => boolean) | undefined): string[] {
  const items = (body as { items?: unknown } | null)?.items;
  if (!validate || !Array.isArray(items)) return [];
  const known = new Set<unknown>(burgerIds);
  const unknown = items
    .map((i) => (i as { burgerId?: unknown } | null)?.burgerId)
    .filter((id): id is string => typeof id === 'string' && !known.has(id));
  if (unknown.length === 0) return [];
  const patched = {
    ...(body as object),
    items: items.map((i) =>
      unknown.includes((i as { burgerId?: string }).burgerId ?? '') ? { ...i, burgerId: burgerIds[0] } : i,
    ),
  };
  return validate(patched) ? [...new Set(unknown)] : [];
}

/** The change id a reconnecting EventSource sends (0n for none or anything that is not one). */
function lastEventId(header: string | string[] | undefined): bigint {
  return typeof header === 'string' && /^\d{1,18}$/.test(header) ? BigInt(header) : 0n;
}

/** A correlation id that genRequestId took from the trace is the trace id; any other is not. */
export const traceIdOf = (correlationId: string): string | null =>
  /^[0-9a-f]{32}$/.test(correlationId) ? correlationId : null;
