import { randomUUID } from 'node:crypto';
import { activeTraceId } from '@akaso/observability';
import { AppError } from '@akaso/service';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { OrderService } from '../orders/order-service.ts';
import { isTerminal } from '../orders/status.ts';
import type { StatusFeed } from '../orders/status-feed.ts';
import type { PlaceSync } from '../orders/sync-flow.ts';
import { ErrorBody, OrderAccepted, OrderBody, OrderIdParams, PlaceOrderBody } from './schemas.ts';

export interface OrderRoutesDeps {
  orders: OrderService;
  placeSync: PlaceSync;
  feed: StatusFeed;
}

export const orderRoutes: FastifyPluginAsyncTypebox<OrderRoutesDeps> = async (
  app,
  { orders, placeSync, feed },
) => {
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
          mode: Type.Union([Type.Literal('async'), Type.Literal('sync')], { default: 'async' }),
        }),
        body: PlaceOrderBody,
        response: {
          200: OrderAccepted,
          202: OrderAccepted,
          400: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (request, reply) => {
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
        response: { 200: OrderBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const order = await orders.getOrder(request.params.id);
      if (!order) throw new AppError('NOT_FOUND', `no order ${request.params.id}`);
      return { ...order, traceId: traceIdOf(order.correlationId) };
    },
  );

  app.get(
    '/orders/:id/events',
    {
      schema: {
        summary: 'Status changes as Server-Sent Events',
        description:
          'received → reserved → confirmed | rejected (with reason); the stream ends at a terminal state.',
        params: OrderIdParams,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const order = await orders.getOrder(request.params.id);
      if (!order) throw new AppError('NOT_FOUND', `no order ${request.params.id}`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let lastId = 0n;
      let closed = false;
      let pumping: Promise<void> = Promise.resolve();
      const send = (change: { id: string; status: string; reason: string | null; at: string }) => {
        res.write(
          `id: ${change.id}\nevent: status\ndata: ${JSON.stringify({ orderId: order.orderId, ...change })}\n\n`,
        );
        lastId = BigInt(change.id);
        if (isTerminal(change.status as never)) finish();
      };
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const finish = () => {
        if (closed) return;
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        res.end();
      };
      // Subscribe before reading the history, so a change in between is not missed.
      const unsubscribe = feed.subscribe(order.orderId, () => {
        pumping = pumping.then(async () => {
          if (closed) return;
          for (const change of await orders.historySince(order.orderId, lastId)) if (!closed) send(change);
        });
      });
      request.raw.on('close', finish);
      for (const change of await orders.historySince(order.orderId, 0n)) if (!closed) send(change);
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

/** A correlation id that genRequestId took from the trace is the trace id; any other is not. */
export const traceIdOf = (correlationId: string): string | null =>
  /^[0-9a-f]{32}$/.test(correlationId) ? correlationId : null;
