import { stack, uniqueUser } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db.ts';
import { callPlaceOrder, createOrderWriter } from '../src/orders/order-writer.ts';
import { arg, live, scratchClient, scratchDatabase, t0, useScratchDatabase } from './fixtures.ts';

/**
 * The quota under a database whose default isolation is REPEATABLE READ (a setting some managed
 * PostgreSQL users apply): the API's own pool (src/db.ts) sets READ COMMITTED, the level
 * place_order's lock-then-count needs, and place_order refuses any other.
 */
useScratchDatabase();

const url = () => `${stack.postgres}/${scratchDatabase}`;
let database: Database;
beforeAll(async () => {
  // Applies to every connection opened from now on.
  await scratchClient().query(
    `alter database ${scratchDatabase} set default_transaction_isolation = 'repeatable read'`,
  );
  database = createDatabase(url(), 10, { name: 'order-api-isolation-test' });
});
afterAll(async () => {
  await database.close();
});

describe('the quota under default_transaction_isolation = repeatable read', () => {
  it('the database really defaults to repeatable read for a connection that does not choose', async () => {
    const plain = new pg.Client({ connectionString: url() });
    await plain.connect();
    try {
      const { rows } = await plain.query(`select current_setting('transaction_isolation') as level`);
      expect(rows).toEqual([{ level: 'repeatable read' }]);
    } finally {
      await plain.end();
    }
  });

  it('50 concurrent one-burger orders of one user accept exactly 5, through single calls and the writer', async () => {
    const user = uniqueUser('rr');
    const writer = createOrderWriter(database.pool);
    // Ten connections at once waiting on the user's lock (single calls, as several API
    // instances would make), and the writer's batches beside them.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? callPlaceOrder(database.pool, arg(user, 1, t0 + i))
          : writer.place(arg(user, 1, t0 + i)),
      ),
    );
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'quota_exceeded')).toHaveLength(45);
    const placed = await live(user);
    expect(placed.reduce((n, o) => n + o.burgers, 0)).toBe(5);
  });

  it('place_order refuses to run under repeatable read rather than count from a stale snapshot', async () => {
    const plain = new pg.Client({ connectionString: url() });
    await plain.connect();
    try {
      const user = uniqueUser('refused');
      const error = await callPlaceOrder(plain, arg(user, 1, t0)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '25000' });
      expect((error as Error).message).toMatch(/READ COMMITTED/);
      expect(await live(user)).toEqual([]);
    } finally {
      await plain.end();
    }
  });
});
