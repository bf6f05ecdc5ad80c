import { stack, uniqueUser } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPlaceOrders, createOrderWriter } from '../src/orders/order-writer.ts';
import { arg, live, scratchClient, scratchDatabase, t0, useScratchDatabase } from './fixtures.ts';

/** The API's group commit (place_orders and the writer) on the real PostgreSQL. */
useScratchDatabase();

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: `${stack.postgres}/${scratchDatabase}`, max: 4 });
});
afterAll(async () => {
  await pool.end();
});

/**
 * How many of these users' orders each transaction wrote, smallest first. A row's xmin is the id
 * of the transaction that wrote it, read back with the row: exact at once, where the database's
 * commit counter (pg_stat_database) lags behind the backends that did the work. (A row written
 * inside a subtransaction would carry the subtransaction's id; place_orders writes none there.)
 */
async function ordersPerTransaction(userIds: string[]): Promise<number[]> {
  const { rows } = await scratchClient().query<{ n: number }>(
    'select count(*)::int as n from orders where user_id = any($1) group by xmin::text order by n',
    [userIds],
  );
  return rows.map((r) => r.n);
}

describe('place_orders', () => {
  it('places a batch in order: a user’s later order is checked against the earlier ones of the same batch', async () => {
    const [alice, bob] = [uniqueUser('alice'), uniqueUser('bob')];
    const results = await callPlaceOrders(scratchClient(), [
      arg(alice, 3, t0),
      arg(bob, 5, t0),
      arg(alice, 2, t0 + 1),
      arg(alice, 1, t0 + 2),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'quota_exceeded']);
    expect((await live(alice)).map((o) => o.burgers)).toEqual([3, 2]);
  });

  it('replays an Idempotency-Key repeated inside one batch', async () => {
    const carol = uniqueUser('carol');
    const [first, again] = await callPlaceOrders(scratchClient(), [
      arg(carol, 1, t0, { idempotencyKey: 'k' }),
      arg(carol, 1, t0 + 1, { idempotencyKey: 'k' }),
    ]);
    expect(first?.outcome).toBe('accepted');
    expect(again).toEqual({ outcome: 'replayed', body: first?.outcome === 'accepted' ? first.body : null });
    expect(await live(carol)).toHaveLength(1);
  });
});

describe('the order writer', () => {
  it('puts orders that arrive together into fewer transactions, each answered with its own result', async () => {
    const users = Array.from({ length: 30 }, (_, i) => uniqueUser(`w${i}`));
    const writer = createOrderWriter(pool, { maxInFlight: 1 });
    const results = await Promise.all(users.map((u, i) => writer.place(arg(u, 1 + (i % 5), t0))));
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    // Each answer is its own order's.
    results.forEach((r, i) => {
      expect(r.outcome === 'accepted' && r.body.quota.used).toBe(1 + (i % 5));
    });
    // The first goes alone at once; the 29 that queued behind it go together, in one transaction.
    expect(await ordersPerTransaction(users)).toEqual([1, 29]);
  });

  it('keeps one order’s failure its own: the rest of its batch is placed', async () => {
    const users = Array.from({ length: 5 }, (_, i) => uniqueUser(`f${i}`));
    const writer = createOrderWriter(pool, { maxInFlight: 1 });
    // An order id that is not a uuid fails its statement inside place_order.
    const bad = arg(users[2] as string, 1, t0, { orderId: 'not-a-uuid' });
    const settled = await Promise.allSettled(
      users.map((u, i) => writer.place(i === 2 ? bad : arg(u, 1, t0))),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    for (const [i, u] of users.entries()) expect(await live(u)).toHaveLength(i === 2 ? 0 : 1);
  });
});
