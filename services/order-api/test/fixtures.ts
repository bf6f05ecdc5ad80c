import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { migrateDatabase } from '@akaso/service';
import { api, order, stack, withDb } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { PlaceOrderArgument } from '../src/orders/place-order.ts';
import type { QuotaPolicy } from '../src/orders/quota.ts';

/** Shared fixtures of the order API's integration tests: one home, not copied per file. */

/** The 202 body of POST /orders, as the tests read it. */
export interface Accepted {
  orderId: string;
  status: string;
  totalCents: number;
  quota: { remaining: number; used: number; nextFreeAt: string | null };
  links: { self: string; events: string };
}

/** POST /orders of the user's order (testkit's `order` defaults, `over` replacing fields). */
export const postOrder = <T = Accepted>(
  userId: string,
  over: Parameters<typeof order>[1] = {},
  path = '/orders',
) => api<T>(path, { method: 'POST', body: order(userId, over) });

/** The payment service's rows for an order (its own database). */
export async function paymentsFor(
  orderId: string,
): Promise<{ status: string; payment_intent_id: string | null }[]> {
  return withDb(
    'payment',
    async (c) =>
      (await c.query('select status, payment_intent_id from payments where order_id = $1', [orderId])).rows,
  );
}

/** How many orders of the user the order API's database holds. */
export async function ordersOf(userId: string): Promise<number> {
  return withDb(
    'order_api',
    async (c) =>
      (await c.query('select count(*)::int as n from orders where user_id = $1', [userId])).rows[0].n,
  );
}

// ---- place_order on the real PostgreSQL, in a scratch database ---------------------------------
export const H = 3_600_000;
export const policy: QuotaPolicy = { limit: 5, windowMs: 24 * H };
export const t0 = Date.parse('2026-12-24T00:00:00.000Z');
export const scratchDatabase = 'order_api_quota_test';
let current: pg.Client | undefined;

/** The scratch database's one connection (set up by useScratchDatabase). */
export function scratchClient(): pg.Client {
  if (!current) throw new Error('useScratchDatabase() was not called in this file');
  return current;
}

/**
 * A scratch database migrated by the service's own migrations, created afresh for the calling
 * test file, with one connection (scratchClient).
 */
export function useScratchDatabase(): void {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: `${stack.postgres}/postgres` });
    await admin.connect();
    await admin.query(`drop database if exists ${scratchDatabase} with (force)`);
    await admin.query(`create database ${scratchDatabase}`);
    await admin.end();
    const url = `${stack.postgres}/${scratchDatabase}`;
    await migrateDatabase(
      url,
      join(import.meta.dirname, '..', 'prisma', 'migrations'),
      createLogger('test', 'silent'),
    );
    current = new pg.Client({ connectionString: url });
    await current.connect();
  });
  afterAll(async () => {
    await current?.end();
    current = undefined;
  });
}

/** place_order's argument for one order of `burgers` classics at `at`. */
export function arg(userId: string, burgers: number, at: number, over: Partial<PlaceOrderArgument> = {}) {
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

export interface Live {
  id: string;
  burgers: number;
  at: number;
}

/** The user's orders that still count (not rejected), from the table itself. */
export async function live(userId: string): Promise<Live[]> {
  const { rows } = await scratchClient().query<{ id: string; burgers: number; at: Date }>(
    `select id, burgers, created_at as at from orders where user_id = $1 and status <> 'rejected' order by created_at`,
    [userId],
  );
  return rows.map((r) => ({ id: r.id, burgers: r.burgers, at: r.at.getTime() }));
}

/** Runs fn in a transaction that is rolled back, so generated histories cannot see each other. */
export async function rolledBack(fn: () => Promise<void>): Promise<void> {
  await scratchClient().query('begin');
  try {
    await fn();
  } finally {
    await scratchClient().query('rollback');
  }
}
