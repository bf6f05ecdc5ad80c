import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { migrateDatabase } from '@akaso/service';
import { stack, uniqueUser } from '@akaso/testkit';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPlaceOrder, type PlaceOrderArgument } from '../src/orders/place-order.ts';
import { type QuotaPolicy, quotaState } from '../src/orders/quota.ts';
import { createIdempotencyRetention } from '../src/orders/retention.ts';

/**
 * The 5-burgers-per-24h rule, tested where it is decided: the SQL functions place_order and
 * quota_state, on the real PostgreSQL, in a scratch database migrated by the service's own
 * migrations. One connection; every generated history runs in a transaction that is rolled
 * back, so runs cannot see each other.
 */
const H = 3_600_000;
const policy: QuotaPolicy = { limit: 5, windowMs: 24 * H };
const t0 = Date.parse('2026-12-24T00:00:00.000Z');
const database = 'order_api_quota_test';
let client: pg.Client;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: `${stack.postgres}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  await admin.end();
  const url = `${stack.postgres}/${database}`;
  await migrateDatabase(
    url,
    join(import.meta.dirname, '..', 'prisma', 'migrations'),
    createLogger('test', 'silent'),
  );
  client = new pg.Client({ connectionString: url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

function arg(userId: string, burgers: number, at: number, over: Partial<PlaceOrderArgument> = {}) {
  const orderId = randomUUID();
  const items = [{ burgerId: 'classic', name: 'Classic Burger', quantity: burgers, unitPriceCents: 297 }];
  return {
    orderId,
    userId,
    email: `${userId}@akaso.test`,
    burgers,
    items,
    totalCents: burgers * 297,
    currency: 'eur',
    paymentMethod: 'pm_card_visa',
    mode: 'sync',
    correlationId: 'test',
    now: new Date(at).toISOString(),
    limit: policy.limit,
    windowMs: policy.windowMs,
    requestHash: `hash-${burgers}`,
    idempotencyKey: null,
    response: {
      orderId,
      status: 'received',
      totalCents: burgers * 297,
      currency: 'eur',
      items,
      links: { self: `/orders/${orderId}`, events: `/orders/${orderId}/events` },
    },
    outbox: null,
    ...over,
  } satisfies PlaceOrderArgument;
}

interface Live {
  id: string;
  burgers: number;
  at: number;
}

/** The user's orders that still count (not rejected), from the table itself. */
async function live(userId: string): Promise<Live[]> {
  const { rows } = await client.query<{ id: string; burgers: number; at: Date }>(
    `select id, burgers, created_at as at from orders where user_id = $1 and status <> 'rejected' order by created_at`,
    [userId],
  );
  return rows.map((r) => ({ id: r.id, burgers: r.burgers, at: r.at.getTime() }));
}

/** The guarantee: no half-open window [s, s + 24 h) holds more than the limit (worst case: s at an order). */
function worstWindow(orders: Live[]): number {
  return Math.max(
    0,
    ...orders.map((start) =>
      orders
        .filter((o) => o.at >= start.at && o.at < start.at + policy.windowMs)
        .reduce((n, o) => n + o.burgers, 0),
    ),
  );
}

async function rolledBack(fn: () => Promise<void>): Promise<void> {
  await client.query('begin');
  try {
    await fn();
  } finally {
    await client.query('rollback');
  }
}

/** One of the user's counted orders is rejected, as inventory or payment would. */
async function rejectOne(userId: string, pick: number): Promise<void> {
  const all = await live(userId);
  const victim = all[pick % Math.max(1, all.length)];
  if (victim) await client.query(`update orders set status = 'rejected' where id = $1`, [victim.id]);
}

type Op = { kind: 'order'; time: number; burgers: number } | { kind: 'reject'; pick: number };
const ops = (time: fc.Arbitrary<number>) =>
  fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('order' as const),
          time,
          burgers: fc.integer({ min: 1, max: 6 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
    ),
    { maxLength: 20 },
  );

describe('the quota rule in SQL (place_order, quota_state)', () => {
  it('property: with a forward clock, the decision is the rule, its explanation agrees, and rejected orders stop counting', async () => {
    // Times as gaps between requests: a clock that only moves forward, as in production.
    const forward = fc.integer({ min: 0, max: 12 * H });
    await fc.assert(
      fc.asyncProperty(ops(forward), async (history: Op[]) => {
        const userId = uniqueUser('prop');
        await rolledBack(async () => {
          let now = t0;
          for (const op of history) {
            if (op.kind === 'reject') {
              await rejectOne(userId, op.pick);
              continue;
            }
            const before = await live(userId);
            now += op.time;
            // The rule as the README states it: burgers of non-rejected orders in the last 24 h.
            const used = before
              .filter((o) => o.at > now - policy.windowMs)
              .reduce((n, o) => n + o.burgers, 0);
            const fits = op.burgers <= policy.limit - used;
            const result = await callPlaceOrder(client, arg(userId, op.burgers, now));
            expect(result.outcome).toBe(fits ? 'accepted' : 'quota_exceeded');
            if (result.outcome === 'accepted') {
              expect(result.body.quota).toMatchObject({
                used: used + op.burgers,
                remaining: policy.limit - used - op.burgers,
              });
            } else if (result.outcome === 'quota_exceeded') {
              const q = result.quota;
              expect(q).toMatchObject({
                used,
                remaining: Math.max(0, policy.limit - used),
                requested: op.burgers,
                allowed: false,
              });
              const oldest = before.find((o) => o.at > now - policy.windowMs);
              expect(q.nextFreeAt).toBe(oldest ? new Date(oldest.at + policy.windowMs).toISOString() : null);
              if (op.burgers > policy.limit) expect(q.availableAt).toBeNull();
              else {
                // availableAt is exactly when the request fits, if nothing else is ordered.
                const at = Date.parse(q.availableAt ?? 'missing');
                expect((await quotaState(client, userId, new Date(at), policy, op.burgers)).allowed).toBe(
                  true,
                );
                expect((await quotaState(client, userId, new Date(at - 1), policy, op.burgers)).allowed).toBe(
                  false,
                );
              }
            }
            expect(worstWindow(await live(userId))).toBeLessThanOrEqual(policy.limit);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: with clocks in any order (instances that disagree), no 24 h window ever holds more than 5', async () => {
    const anyTime = fc.integer({ min: 0, max: 72 * H }).map((ms) => t0 + ms);
    await fc.assert(
      fc.asyncProperty(ops(anyTime), async (history: Op[]) => {
        const userId = uniqueUser('skew');
        await rolledBack(async () => {
          for (const op of history) {
            if (op.kind === 'reject') {
              await rejectOne(userId, op.pick);
              continue;
            }
            const result = await callPlaceOrder(client, arg(userId, op.burgers, op.time));
            // The explanation agrees with the decision.
            if (result.outcome === 'quota_exceeded') {
              expect(result.quota.used + op.burgers).toBeGreaterThan(policy.limit);
            } else {
              expect(result.outcome).toBe('accepted');
            }
            expect(worstWindow(await live(userId))).toBeLessThanOrEqual(policy.limit);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('writes the OrderPlaced outbox row with the order, and none when refused', async () => {
    const userId = uniqueUser('outbox');
    await rolledBack(async () => {
      const eventId = randomUUID();
      const row = {
        eventId,
        topic: 'orders',
        key: userId,
        payload: '{"a":1}',
        headers: { 'x-event-type': 'OrderPlaced' },
      };
      expect((await callPlaceOrder(client, arg(userId, 5, t0, { outbox: row }))).outcome).toBe('accepted');
      const refused = arg(userId, 1, t0 + H, { outbox: { ...row, eventId: randomUUID() } });
      expect((await callPlaceOrder(client, refused)).outcome).toBe('quota_exceeded');
      const { rows } = await client.query(
        `select event_id, key, payload, headers from outbox where key = $1`,
        [userId],
      );
      expect(rows).toEqual([{ event_id: eventId, key: userId, payload: { a: 1 }, headers: row.headers }]);
    });
  });
});

describe('Idempotency-Keys in place_order', () => {
  it('are scoped per user: the same key of another user is a new order, never their answer', async () => {
    const [alice, mallory] = [uniqueUser('alice'), uniqueUser('mallory')];
    await rolledBack(async () => {
      const first = await callPlaceOrder(client, arg(alice, 1, t0, { idempotencyKey: 'k-1' }));
      expect(first.outcome).toBe('accepted');
      const again = await callPlaceOrder(client, arg(alice, 1, t0 + 1, { idempotencyKey: 'k-1' }));
      expect(again).toEqual({ outcome: 'replayed', body: first.outcome === 'accepted' ? first.body : null });
      // A different body under the same key: refused, naming only the user's own order.
      const reused = await callPlaceOrder(
        client,
        arg(alice, 2, t0 + 2, { idempotencyKey: 'k-1', requestHash: 'other' }),
      );
      expect(reused).toMatchObject({
        outcome: 'key_reused',
        orderId: first.outcome === 'accepted' ? first.body.orderId : '',
      });
      const guessed = await callPlaceOrder(
        client,
        arg(mallory, 1, t0 + 3, { idempotencyKey: 'k-1', requestHash: 'other' }),
      );
      expect(guessed.outcome).toBe('accepted');
      expect(JSON.stringify(guessed)).not.toContain(first.outcome === 'accepted' ? first.body.orderId : 'x');
    });
  });

  it('expire: the retention job deletes keys older than the TTL and keeps the rest', async () => {
    const userId = uniqueUser('ttl');
    const now = Date.now();
    await callPlaceOrder(client, arg(userId, 1, now - 50 * H, { idempotencyKey: 'old' }));
    await callPlaceOrder(client, arg(userId, 1, now - 1 * H, { idempotencyKey: 'fresh' }));
    const pool = new pg.Pool({ connectionString: `${stack.postgres}/${database}`, max: 1 });
    try {
      const retention = createIdempotencyRetention({
        pool,
        clock: { now: () => new Date(now) },
        logger: createLogger('test', 'silent'),
        ttlMs: 48 * H,
        intervalMs: 60_000,
        batchSize: 1,
      });
      expect(await retention.runOnce()).toBeGreaterThanOrEqual(1);
      const { rows } = await client.query(`select key from idempotency_keys where user_id = $1`, [userId]);
      expect(rows).toEqual([{ key: 'fresh' }]);
    } finally {
      await pool.end();
    }
  });
});
