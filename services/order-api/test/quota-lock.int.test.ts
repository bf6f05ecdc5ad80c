import { advisoryLockClass } from '@akaso/db';
import { stack, uniqueUser } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPlaceOrder, callPlaceOrders, createOrderWriter } from '../src/orders/order-writer.ts';
import { arg, live, scratchDatabase, t0, useScratchDatabase } from './fixtures.ts';

/**
 * The users' quota locks (quota_lock.sql, place_orders.sql) on the real PostgreSQL: a class of
 * their own, taken in lock-key order, and a wait bounded by lock_timeout that costs the waiting
 * user alone.
 */
useScratchDatabase();

const LOCK_TIMEOUT_MS = 300;
let pool: pg.Pool;
let holder: pg.Client;
beforeAll(async () => {
  const connectionString = `${stack.postgres}/${scratchDatabase}`;
  // As the API's pool: every wait for a lock bounded by lock_timeout.
  pool = new pg.Pool({ connectionString, max: 6, lock_timeout: LOCK_TIMEOUT_MS });
  holder = new pg.Client({ connectionString });
  await holder.connect();
});
afterAll(async () => {
  await holder.end();
  await pool.end();
});

/** Another session holds the user's quota lock in an open transaction while fn runs. */
async function whileHeld<T>(userId: string, fn: () => Promise<T>): Promise<T> {
  await holder.query('begin');
  try {
    await holder.query('select lock_quota($1)', [userId]);
    return await fn();
  } finally {
    await holder.query('rollback');
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

describe('the quota lock', () => {
  it('is the two-key form in the order-quota class, keyed by the user', async () => {
    const user = uniqueUser('class');
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('select lock_quota($1)', [user]);
      const { rows } = await client.query(
        `select classid::int as class, objid::int as key from pg_locks
          where locktype = 'advisory' and objsubid = 2 and pid = pg_backend_pid()`,
      );
      const key = (await client.query('select hashtext($1) as k', [user])).rows[0].k;
      expect(rows).toEqual([{ class: advisoryLockClass.orderQuota, key }]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it('never collides with a lock of another purpose, whatever the keys', async () => {
    const user = uniqueUser('collide');
    // The relay's class with exactly this user's key: a different lock.
    await holder.query('begin');
    try {
      await holder.query('select pg_advisory_xact_lock($1, hashtext($2))', [
        advisoryLockClass.outboxRelay,
        user,
      ]);
      const { value, ms } = await timed(() => callPlaceOrder(pool, arg(user, 1, t0)));
      expect(value.outcome).toBe('accepted');
      expect(ms).toBeLessThan(LOCK_TIMEOUT_MS);
    } finally {
      await holder.query('rollback');
    }
  });

  it('gives up after lock_timeout when another session holds it (55P03), and then places again', async () => {
    const user = uniqueUser('held');
    const failed = await whileHeld(user, () =>
      timed(() => callPlaceOrder(pool, arg(user, 1, t0)).catch((e: unknown) => e)),
    );
    expect((failed.value as { code?: string }).code).toBe('55P03');
    expect(failed.ms).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 5);
    expect(failed.ms).toBeLessThan(LOCK_TIMEOUT_MS + 1_000);
    expect((await callPlaceOrder(pool, arg(user, 1, t0))).outcome).toBe('accepted');
  });

  it('costs a batch one lock_timeout at most: the stuck user times out, the others are placed', async () => {
    const stuck = uniqueUser('stuck');
    const others = Array.from({ length: 6 }, (_, i) => uniqueUser(`other${i}`));
    const batch = [
      arg(others[0] as string, 1, t0),
      arg(stuck, 1, t0),
      ...others.slice(1).map((u) => arg(u, 2, t0)),
      arg(stuck, 1, t0 + 1),
    ];
    const { value: results, ms } = await whileHeld(stuck, () => timed(() => callPlaceOrders(pool, batch)));
    expect(results.map((r) => r.outcome)).toEqual([
      'accepted',
      'lock_timeout',
      ...others.slice(1).map(() => 'accepted'),
      'lock_timeout',
    ]);
    expect(ms).toBeLessThan(LOCK_TIMEOUT_MS + 1_000);
    expect(await live(stuck)).toEqual([]);
    for (const u of others) expect(await live(u)).toHaveLength(1);
  });

  it('fails only the stuck user through the writer (SQLSTATE 55P03, answered 503 USER_BUSY)', async () => {
    const stuck = uniqueUser('wstuck');
    const others = Array.from({ length: 8 }, (_, i) => uniqueUser(`wother${i}`));
    const writer = createOrderWriter(pool, { maxInFlight: 1 });
    const settled = await whileHeld(stuck, () =>
      Promise.allSettled([stuck, ...others, stuck].map((u, i) => writer.place(arg(u, 1, t0 + i)))),
    );
    expect(settled.map((s) => s.status)).toEqual(['rejected', ...others.map(() => 'fulfilled'), 'rejected']);
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as { code?: string }).code).toBe('55P03');
    }
  });

  it('cannot deadlock: batches that list the same users in opposite orders all commit', async () => {
    for (let round = 0; round < 20; round++) {
      const users = Array.from({ length: 8 }, (_, i) => uniqueUser(`dl${round}-${i}`));
      const forward = users.map((u) => arg(u, 1, t0));
      const backward = [...users].reverse().map((u) => arg(u, 1, t0 + 1));
      const [a, b] = await Promise.all([callPlaceOrders(pool, forward), callPlaceOrders(pool, backward)]);
      expect([...(a ?? []), ...(b ?? [])].every((r) => r.outcome === 'accepted')).toBe(true);
    }
  });
});
