import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@akaso/config';
import { type AnyEvent, newEvent } from '@akaso/contracts';
import { AppError } from '@akaso/service';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrderPlaced, Placed, PlaceOrderInput } from './place-order.ts';
import { isTerminal, nextStatus, type OrderStatus } from './status.ts';
import type { Projection } from './status-projector.ts';
import { createSyncFlow } from './sync-flow.ts';

/**
 * The synchronous baseline's compensation, against stand-in internal endpoints (real HTTP on
 * loopback) and an in-memory order in place of the database-backed domain functions.
 */
type Handler = (body: AnyEvent) => Promise<{ status?: number; events?: AnyEvent[]; text?: string }>;
const calls: { path: string; body: AnyEvent }[] = [];
const handlers: Record<string, Handler> = {};
let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = Fastify();
  for (const path of ['/internal/reserve', '/internal/charge', '/internal/release', '/internal/send']) {
    server.post(path, async (request, reply) => {
      const body = request.body as AnyEvent;
      calls.push({ path, body });
      const handler: Handler = handlers[path] ?? (async () => ({ events: [] }));
      const answer = await handler(body);
      if (answer.text !== undefined) return reply.code(answer.status ?? 500).send(answer.text);
      return reply.code(answer.status ?? 200).send({ events: answer.events ?? [] });
    });
  }
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const input: PlaceOrderInput = {
  userId: 'u1',
  email: 'u1@akaso.test',
  items: [{ burgerId: 'classic', quantity: 2 }],
  paymentMethod: 'pm_card_visa',
};
const lines = [{ burgerId: 'classic', name: 'Classic Burger', quantity: 2, unitPriceCents: 297 }];

const stockReserved = (o: OrderPlaced) =>
  newEvent('StockReserved', o, {
    email: o.email,
    items: o.items,
    paymentMethod: o.paymentMethod,
    totalCents: o.totalCents,
    currency: o.currency,
  });
const paymentSucceeded = (e: AnyEvent) =>
  newEvent('PaymentSucceeded', e, {
    email: input.email,
    paymentIntentId: 'pi_1',
    amountCents: 594,
    currency: 'eur',
  });
const paymentFailed = (e: AnyEvent) =>
  newEvent('PaymentFailed', e, {
    email: input.email,
    reason: 'card declined',
    declineCode: 'generic_decline',
  });

/** One order in memory, moved by the real state machine. */
function fakeOrders() {
  const order: { status: OrderStatus; reason: string | null; abandoned: string[] } = {
    status: 'received',
    reason: null,
    abandoned: [],
  };
  const placed = newEvent(
    'OrderPlaced',
    { orderId: randomUUID(), userId: input.userId },
    {
      email: input.email,
      items: lines,
      burgers: 2,
      paymentMethod: input.paymentMethod,
      totalCents: 594,
      currency: 'eur',
    },
  );
  return {
    order,
    placed,
    place: async (): Promise<Placed> => ({
      replayed: false,
      placed,
      body: {
        orderId: placed.orderId,
        status: 'received',
        totalCents: 594,
        currency: 'eur',
        items: lines,
        links: { self: '', events: '' },
        quota: { limit: 5, used: 2, remaining: 3, windowHours: 24, nextFreeAt: null },
      },
    }),
    apply: async (event: AnyEvent): Promise<Projection> => {
      const next = nextStatus(order.status, event);
      if (!next) return { status: order.status, changed: false, outgoing: null };
      Object.assign(order, next);
      const outgoing = !isTerminal(next.status)
        ? null
        : next.status === 'confirmed'
          ? newEvent('OrderConfirmed', event, {
              email: input.email,
              items: lines,
              totalCents: 594,
              currency: 'eur',
              paymentIntentId: 'pi_1',
            })
          : newEvent('OrderRejected', event, {
              email: input.email,
              reason: next.reason ?? '',
              stage: 'payment',
            });
      return { status: next.status, changed: true, outgoing };
    },
    abandon: async (_orderId: string, reason: string) => {
      order.abandoned.push(reason);
      if (!isTerminal(order.status)) Object.assign(order, { status: 'rejected', reason });
    },
    statusOf: async () => ({ status: order.status, reason: order.reason }),
  };
}

function flow(orders: ReturnType<typeof fakeOrders>, stepTimeoutMs = 200) {
  return createSyncFlow({
    ...orders,
    endpoints: { inventoryUrl: base, paymentUrl: base, emailUrl: base },
    stepTimeoutMs,
    settleTimeoutMs: 5_000,
    logger: createLogger('test', 'silent'),
  });
}

const paths = () => calls.map((c) => c.path);
const sent = () => calls.filter((c) => c.path === '/internal/send').map((c) => c.body.type);

async function upstreamError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeEach(() => {
  calls.length = 0;
  for (const k of Object.keys(handlers)) delete handlers[k];
});

describe('the synchronous baseline', () => {
  it('reserves, charges, confirms and mails, and answers the confirmed order', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async (e) => ({ events: [paymentSucceeded(e)] });
    const body = await flow(orders)(input, { correlationId: 'c' });
    expect(body).toMatchObject({ status: 'confirmed', reason: null });
    expect(paths()).toEqual(['/internal/reserve', '/internal/charge', '/internal/send', '/internal/send']);
    expect(sent()).toEqual(['OrderConfirmed', 'PaymentSucceeded']);
  });

  it('a declined card: the stock is released with the decline and the order rejected', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async (e) => ({ events: [paymentFailed(e)] });
    const body = await flow(orders)(input, { correlationId: 'c' });
    expect(body).toMatchObject({ status: 'rejected', reason: 'card declined' });
    const release = calls.find((c) => c.path === '/internal/release');
    expect(release?.body).toMatchObject({ type: 'PaymentFailed', orderId: orders.placed.orderId });
    expect(sent()).toEqual(['OrderRejected']);
  });

  it('the reservation times out: the order is rejected at once, and the late reservation is given back', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => {
      await sleep(400);
      return { events: [stockReserved(e as OrderPlaced)] };
    };
    const run = flow(orders);
    const err = await upstreamError(run(input, { correlationId: 'c' }));
    expect(err.code).toBe('UPSTREAM_FAILED');
    expect(err.message).toBe('the order could not be processed: inventory did not answer in time');
    expect(orders.order.status).toBe('rejected');
    expect(paths()).toEqual(['/internal/reserve']);
    await run.settled();
    expect(paths()).toEqual(['/internal/reserve', '/internal/release']);
    expect(calls[1]?.body).toMatchObject({
      type: 'PaymentFailed',
      orderId: orders.placed.orderId,
      declineCode: null,
    });
  });

  it('a charge that succeeds after the timeout: nothing is released or rejected, and the late success confirms the order', async () => {
    const orders = fakeOrders();
    let charged = 0;
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async (e) => {
      await sleep(400);
      charged++;
      return { events: [paymentSucceeded(e)] };
    };
    const run = flow(orders);
    const err = await upstreamError(run(input, { correlationId: 'c' }));
    expect(err.message).toBe(
      "payment did not answer in time: the order stays reserved until the payment's outcome is known",
    );
    expect(orders.order.status).toBe('reserved');
    await run.settled();
    expect(charged).toBe(1);
    expect(orders.order).toMatchObject({ status: 'confirmed', abandoned: [] });
    expect(paths()).not.toContain('/internal/release');
    expect(sent()).toEqual(['OrderConfirmed', 'PaymentSucceeded']);
  });

  it('a late decline after the timeout releases the stock and rejects then', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async (e) => {
      await sleep(400);
      return { events: [paymentFailed(e)] };
    };
    const run = flow(orders);
    await upstreamError(run(input, { correlationId: 'c' }));
    expect(paths()).toEqual(['/internal/reserve', '/internal/charge']);
    await run.settled();
    expect(orders.order).toMatchObject({ status: 'rejected', reason: 'card declined' });
    expect(paths()).toContain('/internal/release');
  });

  it('a charge that fails with a 5xx may have charged: the order stays reserved, nothing released', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async () => ({
      status: 500,
      text: 'stripe: connection reset at http://10.0.0.7',
    });
    const run = flow(orders);
    const err = await upstreamError(run(input, { correlationId: 'c' }));
    await run.settled();
    expect(orders.order).toMatchObject({ status: 'reserved', abandoned: [] });
    expect(paths()).not.toContain('/internal/release');
    // The customer sees the step, never an internal URL or the upstream's body.
    expect(err.message).not.toMatch(/http|stripe|10\.0\.0\.7|127\.0\.0\.1/);
  });

  it('a charge refused before charging (4xx) releases the stock and rejects the order', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async () => ({ status: 400, text: '{"code":"VALIDATION_ERROR"}' });
    const err = await upstreamError(flow(orders)(input, { correlationId: 'c' }));
    expect(err.message).toBe('the order could not be processed: payment refused the request');
    expect(orders.order.status).toBe('rejected');
    expect(paths()).toEqual(['/internal/reserve', '/internal/charge', '/internal/release']);
  });

  it('an unreachable service is named, not its address', async () => {
    const orders = fakeOrders();
    const run = createSyncFlow({
      ...orders,
      endpoints: { inventoryUrl: 'http://127.0.0.1:1', paymentUrl: base, emailUrl: base },
      stepTimeoutMs: 1_000,
      settleTimeoutMs: 1_000,
      logger: createLogger('test', 'silent'),
    });
    const err = await upstreamError(run(input, { correlationId: 'c' }));
    expect(err.message).toBe('the order could not be processed: inventory is unreachable');
    expect(orders.order.status).toBe('rejected');
  });

  it('only a mail failed: the paid order stands and the answer says confirmed', async () => {
    const orders = fakeOrders();
    handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
    handlers['/internal/charge'] = async (e) => ({ events: [paymentSucceeded(e)] });
    handlers['/internal/send'] = async () => ({ status: 500, text: 'smtp down' });
    const body = await flow(orders)(input, { correlationId: 'c' });
    expect(body.status).toBe('confirmed');
    expect(orders.order.abandoned).toEqual([]);
  });
});
