import { randomUUID } from 'node:crypto';
import { createLogger } from '@akaso/config';
import { type AnyEvent, newEvent } from '@akaso/contracts';
import { AppError, requireInternalToken } from '@akaso/service';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { OrderPlaced, Placed, PlaceOrderInput } from '../../src/orders/place-order.ts';
import { isTerminal, nextStatus, type OrderStatus } from '../../src/orders/status.ts';
import type { Projection } from '../../src/orders/status-projector.ts';
import { createSyncFlow } from '../../src/orders/sync-flow.ts';

/**
 * Stand-ins for the synchronous baseline's tests: the internal endpoints it calls (real HTTP on
 * loopback, answers set per test through `handlers`) and one order in memory in place of the
 * database-backed domain functions. Shared by the sync-flow test files, not copied into each.
 */
export type Handler = (body: AnyEvent) => Promise<{ status?: number; events?: AnyEvent[]; text?: string }>;
export const calls: { path: string; body: AnyEvent }[] = [];
export const handlers: Record<string, Handler> = {};
let server: FastifyInstance;
let base: string;

/** The stand-in endpoints' base URL (once useStandIns' beforeAll ran). */
export const standInsUrl = () => base;

/** The stand-ins, like the real services, refuse a call without the shared token. */
export const internalToken = 'stand-in-internal-token';

/** Registers the stand-in endpoints for the calling test file, emptied before each test. */
export function useStandIns(): void {
  beforeAll(async () => {
    server = Fastify();
    requireInternalToken(server, internalToken);
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
  beforeEach(() => {
    calls.length = 0;
    for (const k of Object.keys(handlers)) delete handlers[k];
  });
}

export const input: PlaceOrderInput = {
  userId: 'u1',
  email: 'u1@akaso.test',
  items: [{ burgerId: 'classic', quantity: 2 }],
  paymentMethod: 'pm_card_visa',
};
const lines = [{ burgerId: 'classic', name: 'Classic Burger', quantity: 2, unitPriceCents: 297 }];

export const stockReserved = (o: OrderPlaced) =>
  newEvent('StockReserved', o, {
    email: o.email,
    items: o.items,
    paymentMethod: o.paymentMethod,
    totalCents: o.totalCents,
    currency: o.currency,
  });
/** The inventory stand-in reserves the order's stock. */
export function reserveSucceeds(): void {
  handlers['/internal/reserve'] = async (e) => ({ events: [stockReserved(e as OrderPlaced)] });
}

export function chargeSucceeds(): void {
  handlers['/internal/charge'] = async (e) => ({ events: [paymentSucceeded(e)] });
}

export const paymentSucceeded = (e: AnyEvent) =>
  newEvent('PaymentSucceeded', e, {
    email: input.email,
    paymentIntentId: 'pi_1',
    amountCents: 594,
    currency: 'eur',
  });
export const paymentFailed = (e: AnyEvent) =>
  newEvent('PaymentFailed', e, {
    email: input.email,
    reason: 'card declined',
    declineCode: 'generic_decline',
  });

/** One order in memory, moved by the real state machine. */
export function fakeOrders() {
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

export function flow(orders: ReturnType<typeof fakeOrders>, stepTimeoutMs = 200, token = internalToken) {
  return createSyncFlow({
    ...orders,
    endpoints: { inventoryUrl: base, paymentUrl: base, emailUrl: base },
    internalToken: token,
    stepTimeoutMs,
    settleTimeoutMs: 5_000,
    logger: createLogger('test', 'silent'),
  });
}

export const paths = () => calls.map((c) => c.path);
export const sent = () => calls.filter((c) => c.path === '/internal/send').map((c) => c.body.type);

export async function upstreamError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
