import { isDatabaseUnavailable } from '@akaso/db';
import type pg from 'pg';
import type { PlaceOrderArgument, PlaceOrderResult } from './place-order.ts';

/**
 * Group commit for the API: while `maxInFlight` transactions are running, the orders that
 * arrive wait and then go to PostgreSQL together, one `place_orders` call and one transaction
 * for all of them. An order that finds a transaction free goes at once (no linger); under load
 * the batches grow by themselves. One commit, one round trip and one outbox NOTIFY for a batch
 * instead of one each per order.
 *
 * A batch is ordered by user (stably, so a user's orders keep their order): two batches in
 * flight then take the users' advisory locks in the same order and cannot deadlock. If a batch
 * fails for any reason but an unavailable database, its orders are placed again one at a time,
 * so one order's error is its own.
 */
export function createOrderWriter(db: pg.Pool, opts: { maxBatch?: number; maxInFlight?: number } = {}) {
  const maxBatch = opts.maxBatch ?? 100;
  const maxInFlight = opts.maxInFlight ?? 2;
  const queue: {
    arg: PlaceOrderArgument;
    resolve(r: PlaceOrderResult): void;
    reject(err: unknown): void;
  }[] = [];
  let inFlight = 0;

  async function run(batch: typeof queue): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [(typeof queue)[number]];
      await callPlaceOrder(db, one.arg).then(one.resolve, one.reject);
      return;
    }
    batch.sort((a, b) => (a.arg.userId < b.arg.userId ? -1 : a.arg.userId > b.arg.userId ? 1 : 0));
    try {
      const results = await callPlaceOrders(
        db,
        batch.map((b) => b.arg),
      );
      batch.forEach((b, i) => {
        const r = results[i];
        if (r) b.resolve(r);
        else b.reject(new Error('place_orders returned fewer results than orders'));
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      for (const b of batch) await callPlaceOrder(db, b.arg).then(b.resolve, b.reject);
    }
  }

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      inFlight++;
      void run(queue.splice(0, maxBatch)).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return {
    place(arg: PlaceOrderArgument): Promise<PlaceOrderResult> {
      return new Promise((resolve, reject) => {
        queue.push({ arg, resolve, reject });
        pump();
      });
    },
  };
}

export type OrderWriter = ReturnType<typeof createOrderWriter>;

export async function callPlaceOrders(
  db: pg.Pool | pg.ClientBase,
  args: PlaceOrderArgument[],
): Promise<PlaceOrderResult[]> {
  const { rows } = await db.query<{ r: PlaceOrderResult[] }>({
    name: 'akaso_place_orders',
    text: 'select place_orders($1::jsonb) as r',
    values: [JSON.stringify(args)],
  });
  return rows[0]?.r ?? [];
}

/** One order, one place_order call (what the writer does at low load, and the SQL's tests). */
export async function callPlaceOrder(
  db: pg.Pool | pg.ClientBase,
  arg: PlaceOrderArgument,
): Promise<PlaceOrderResult> {
  // Named: prepared once per pooled connection, not parsed on every order.
  const { rows } = await db.query<{ r: PlaceOrderResult }>({
    name: 'akaso_place_order',
    text: 'select place_order($1::jsonb) as r',
    values: [JSON.stringify(arg)],
  });
  const result = rows[0]?.r;
  if (!result) throw new Error('place_order returned nothing');
  return result;
}
