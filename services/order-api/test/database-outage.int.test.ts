import { once } from 'node:events';
import net from 'node:net';
import { createLogger } from '@akaso/config';
import { createMetrics } from '@akaso/service';
import { internalApiToken, order, stack, uniqueUser } from '@akaso/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/clock.ts';
import { createDatabase, type Database } from '../src/db.ts';
import { createOrderService } from '../src/orders/order-service.ts';
import { inlineHandoff } from '../src/orders/place-order.ts';
import { createStatusProjector } from '../src/orders/status-projector.ts';
import { createSyncFlow } from '../src/orders/sync-flow.ts';

/**
 * POST /orders while PostgreSQL cannot be reached: 503 with Retry-After and a code, never a
 * 500, and the next request after it is back succeeds without a restart. The API instance
 * reaches the real PostgreSQL through a TCP proxy this test opens and closes, so "down" means
 * refused connections and connections cut mid-use, as a restart does, without touching the
 * server the rest of the stack uses. The proxy can also stop forwarding while keeping every
 * connection open (a black hole: a hung server, a half-open connection), where only the
 * client's own bounds end a wait.
 */
const target = new URL(stack.postgres);
const sockets = new Set<net.Socket>();
const pairs = new Set<[net.Socket, net.Socket]>();
let silent = false;
const link = ([client, upstream]: [net.Socket, net.Socket]) => client.pipe(upstream).pipe(client);
const proxy = net.createServer((client) => {
  const upstream = net.connect(Number(target.port), target.hostname);
  const pair: [net.Socket, net.Socket] = [client, upstream];
  for (const s of pair) {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      pairs.delete(pair);
    });
    s.on('error', () => {});
  }
  pairs.add(pair);
  if (!silent) link(pair);
});
/** Nothing is forwarded any more, but every connection stays open and new ones are accepted. */
function blackHole() {
  silent = true;
  for (const [client, upstream] of pairs) {
    client.unpipe(upstream);
    upstream.unpipe(client);
  }
}
function answerAgain() {
  silent = false;
  for (const pair of pairs) link(pair);
}
let port = 0;
let database: Database;
let app: FastifyInstance;

async function up() {
  proxy.listen(port, '127.0.0.1');
  await once(proxy, 'listening');
}
async function down() {
  const closed = new Promise((r) => proxy.close(r));
  for (const s of sockets) s.destroy();
  await closed;
}

const post = (userId: string) =>
  app.inject({
    method: 'POST',
    url: '/orders',
    payload: order(userId),
    headers: { 'content-type': 'application/json' },
  });

beforeAll(async () => {
  // A free port, then nothing listening on it: the database is "down" from the start.
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  port = (proxy.address() as net.AddressInfo).port;
  await down();
  const logger = createLogger('order-api-test', 'silent');
  database = createDatabase(`postgresql://postgres@127.0.0.1:${port}/order_api`, 2, {
    timeouts: { connectTimeoutMs: 2_000, statementTimeoutMs: 1_000, queryTimeoutMs: 1_500 },
  });
  const quota = { limit: 5, windowMs: 24 * 3_600_000 };
  const sale = { discountPercent: 70, startsAt: new Date(0), endsAt: new Date('2100-01-01') };
  const deps = { db: database.prisma, pool: database.pool, clock: systemClock, quota, sale, currency: 'eur' };
  const orders = createOrderService({ ...deps, onOutboxWrite: () => {} });
  const projector = createStatusProjector({ pool: database.pool, clock: systemClock });
  app = await buildApp({
    logger,
    orders,
    placeSync: createSyncFlow({
      place: (input, opts) => orders.placement.place(input, opts, inlineHandoff),
      apply: projector.apply,
      abandon: projector.abandon,
      statusOf: projector.statusOf,
      endpoints: { inventoryUrl: stack.inventory, paymentUrl: stack.inventory, emailUrl: stack.inventory },
      internalToken: internalApiToken(),
      stepTimeoutMs: 1_000,
      settleTimeoutMs: 1_000,
      logger,
    }),
    feed: { subscribe: () => () => {}, start: async () => {}, stop: async () => {}, connected: true },
    readiness: [],
    bodyLimit: 16_384,
    metrics: createMetrics('order-api-test'),
    mailpitWebUrl: 'http://localhost:8025',
  });
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  if (proxy.listening) await down();
});

describe('POST /orders while the database is unreachable', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After, never 500, and recovers by itself', async () => {
    const refused = await post(uniqueUser('outage'));
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    const quota = await app.inject(`/users/${uniqueUser('outage')}/quota`);
    expect([quota.statusCode, quota.json().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);

    await up();
    const accepted = await post(uniqueUser('back'));
    expect(accepted.statusCode).toBe(202);

    // Cut every connection the pool holds (what a restart does), then refuse new ones.
    await down();
    const cut = await post(uniqueUser('cut'));
    expect(cut.statusCode).toBe(503);
    expect(cut.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    const sync = await app.inject({
      method: 'POST',
      url: '/orders?mode=sync',
      payload: order(uniqueUser('cut')),
    });
    expect([sync.statusCode, sync.json().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);

    await up();
    const again = await post(uniqueUser('again'));
    expect(again.statusCode).toBe(202);
  });

  it('answers 503 within its bounds when the database stops answering, and recovers when it answers again', async () => {
    if (!proxy.listening) await up();
    expect((await post(uniqueUser('before'))).statusCode).toBe(202);
    blackHole();
    try {
      for (const user of [uniqueUser('hung'), uniqueUser('hung')]) {
        const asked = performance.now();
        const res = await post(user);
        const tookMs = performance.now() - asked;
        expect([res.statusCode, res.json().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
        expect(res.headers['retry-after']).toBeDefined();
        // The client-side query timeout (1.5 s) or the connect timeout (2 s), not the outage.
        expect(tookMs).toBeLessThan(4_000);
      }
    } finally {
      answerAgain();
    }
    await expect
      .poll(async () => (await post(uniqueUser('after'))).statusCode, { timeout: 10_000, interval: 200 })
      .toBe(202);
  });
});
