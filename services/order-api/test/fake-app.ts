import { randomUUID } from 'node:crypto';
import { createLogger } from '@akaso/config';
import type { Clock } from '@akaso/kafka';
import { AppError, createMetrics } from '@akaso/service';
import { buildApp } from '../src/app.ts';
import { seedMenu } from '../src/menu.ts';
import type { OrderService, OrderView, StatusChange } from '../src/orders/order-service.ts';
import type { StatusFeed } from '../src/orders/status-feed.ts';
import type { StreamLimits } from '../src/routes/status-streams.ts';

/**
 * The order API's HTTP layer over an in-memory order service: the routes, schemas, error handler
 * and OpenAPI document are the real ones; only the database is replaced. For tests of the HTTP
 * contract (app.inject, no broker, no database).
 */
export async function buildFakeApp(opts: { streamLimits?: Partial<StreamLimits>; streamClock?: Clock } = {}) {
  const orders = new Map<string, OrderView>();
  const history = new Map<string, StatusChange[]>();
  const listeners = new Map<string, Set<() => void>>();
  // inFlight: history reads started and not yet answered (0: the streams have caught up).
  const calls = { historySince: 0, historySinceInFlight: 0 };
  let historyFails = false;
  let nextChangeId = 1n;
  const quota = (used: number) => ({
    limit: 5,
    used,
    remaining: 5 - used,
    windowHours: 24,
    nextFreeAt: null,
  });

  const fake = {
    async placeOrder(input: { userId: string; items: { burgerId: string; quantity: number }[] }) {
      const burgers = input.items.reduce((n, i) => n + i.quantity, 0);
      if (burgers > 5) {
        const detail = {
          limit: 5,
          used: 0,
          remaining: 5,
          requested: burgers,
          nextFreeAt: null,
          availableAt: null,
        };
        throw new AppError('QUOTA_EXCEEDED', 'at most 5 burgers in 24 h', detail);
      }
      const orderId = randomUUID();
      const now = new Date().toISOString();
      const items = input.items.map((i) => ({
        burgerId: i.burgerId,
        name: seedMenu.find((b) => b.id === i.burgerId)?.name ?? i.burgerId,
        quantity: i.quantity,
        unitPriceCents: 300,
      }));
      const change = { id: String(nextChangeId++), status: 'received' as const, reason: null, at: now };
      orders.set(orderId, {
        orderId,
        userId: input.userId,
        status: 'received',
        reason: null,
        mode: 'async',
        correlationId: orderId,
        items,
        totalCents: 300 * burgers,
        currency: 'eur',
        paymentIntentId: null,
        createdAt: now,
        updatedAt: now,
        history: [change],
      });
      history.set(orderId, [change]);
      return {
        replayed: false,
        body: {
          orderId,
          status: 'received' as const,
          totalCents: 300 * burgers,
          currency: 'eur',
          items,
          links: { self: `/orders/${orderId}`, events: `/orders/${orderId}/events` },
          quota: quota(burgers),
        },
      };
    },
    async getOrder(id: string) {
      return orders.get(id) ?? null;
    },
    async historySince(id: string, after: bigint) {
      calls.historySince += 1;
      calls.historySinceInFlight += 1;
      try {
        // Answered on a later turn, as a query is: the callers see a read in flight.
        await new Promise((r) => setImmediate(r));
        if (historyFails) throw new Error('timed out fetching a new connection from the pool');
        return (history.get(id) ?? []).filter((c) => BigInt(c.id) > after);
      } finally {
        calls.historySinceInFlight -= 1;
      }
    },
    async quotaFor() {
      return quota(0);
    },
    async menu() {
      return seedMenu.map((b) => ({ ...b, salePriceCents: 300, currency: 'eur' }));
    },
  };
  const feed: StatusFeed = {
    connected: true,
    subscribe(orderId, onChange) {
      const set = listeners.get(orderId) ?? new Set();
      listeners.set(orderId, set);
      set.add(onChange);
      return () => {
        set.delete(onChange);
        if (set.size === 0) listeners.delete(orderId);
      };
    },
    async start() {},
    async stop() {},
  };
  const app = await buildApp({
    logger: createLogger('order-api', 'silent'),
    orders: fake as unknown as OrderService,
    placeSync: (async () => {
      throw new AppError('UPSTREAM_FAILED', 'the synchronous baseline is not wired in this test');
    }) as never,
    feed,
    readiness: [],
    bodyLimit: 16_384,
    metrics: createMetrics('order-api'),
    mailpitWebUrl: 'http://localhost:8025',
    ...(opts.streamLimits ? { streamLimits: opts.streamLimits } : {}),
    ...(opts.streamClock ? { streamClock: opts.streamClock } : {}),
  });
  /** Records a status change (as the order-status consumer would) and notifies the feed. */
  const change = (orderId: string, status: OrderView['status'], reason: string | null = null) => {
    const c = { id: String(nextChangeId++), status, reason, at: new Date().toISOString() };
    history.get(orderId)?.push(c);
    for (const fn of listeners.get(orderId) ?? []) fn();
  };
  return {
    app,
    change,
    calls,
    listeners,
    failHistory: (fail: boolean) => {
      historyFails = fail;
    },
  };
}
