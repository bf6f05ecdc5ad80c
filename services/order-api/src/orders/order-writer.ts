import { AppError } from '@akaso/service';
import type pg from 'pg';
import { databaseFailure } from './database-errors.ts';
import type { PlaceOrderArgument, PlaceOrderResult } from './place-order-argument.ts';

export interface OrderWriterOptions {
  /** Orders per place_orders call. */
  maxBatch?: number;
  /** place_orders transactions running at once. */
  maxInFlight?: number;
  /** Orders waiting beyond those in flight; one more is refused at once (503 OVERLOADED). */
  maxQueue?: number;
}

export const orderWriterDefaults = {
  maxBatch: 100,
  maxInFlight: 2,
  maxQueue: 1_000,
} as const satisfies Required<OrderWriterOptions>;

export const writerOverloaded = () =>
  new AppError('OVERLOADED', 'too many orders at once, retry in a moment');

/**
 * Group commit for the API: while `maxInFlight` transactions are running, the orders that
 * arrive wait and then go to PostgreSQL together, one `place_orders` call and one transaction
 * for all of them. An order that finds a transaction free goes at once (no linger); under load
 * the batches grow by themselves. One commit, one round trip and one outbox NOTIFY for a batch
 * instead of one each per order.
 *
 * The queue is bounded (`maxQueue`): when the database slows down or stops, callers beyond it
 * are answered 503 OVERLOADED at once instead of waiting, and memory stays bounded.
 *
 * place_orders takes a batch's quota locks in lock-key order, so two batches in flight cannot
 * deadlock, and a user whose lock is not granted within the lock timeout fails alone (503, like
 * a single order that meets the timeout) while the rest of the batch is placed.
 *
 * A batch that fails (databaseFailure says why):
 * - the database is unavailable or did not answer in time: its orders and those queued behind
 *   it fail at once (503, the caller retries), since waiting would only make each caller meet
 *   the same timeout again;
 * - a conflict (deadlock, serialization): tried once more as a whole, then failed the same way;
 * - anything else (one order's constraint, one user's lock not granted in time): placed again
 *   one order at a time, so that error is that order's alone and the others go through.
 */
export function createOrderWriter(db: pg.Pool, opts: OrderWriterOptions = {}) {
  const { maxBatch, maxInFlight, maxQueue } = { ...orderWriterDefaults, ...opts };
  type Waiting = {
    arg: PlaceOrderArgument;
    resolve(r: PlaceOrderResult): void;
    reject(err: unknown): void;
  };
  const queue: Waiting[] = [];
  let inFlight = 0;

  function failQueued(err: unknown) {
    for (const w of queue.splice(0)) w.reject(err);
  }

  async function placeAll(batch: Waiting[]): Promise<void> {
    const results = await callPlaceOrders(
      db,
      batch.map((b) => b.arg),
    );
    batch.forEach((b, i) => {
      const r = results[i];
      if (!r) b.reject(new Error('place_orders returned fewer results than orders'));
      else if (r.outcome === 'lock_timeout') b.reject(quotaLockNotGranted());
      else b.resolve(r);
    });
  }

  async function run(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [Waiting];
      await callPlaceOrder(db, one.arg).then(one.resolve, (err) => {
        if (databaseFailure(err) === 'unavailable') failQueued(err);
        one.reject(err);
      });
      return;
    }
    let failure: unknown;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return await placeAll(batch);
      } catch (err) {
        failure = err;
      }
      if (databaseFailure(failure) !== 'conflict') break;
    }
    const kind = databaseFailure(failure);
    if (kind === 'unavailable' || kind === 'conflict') {
      if (kind === 'unavailable') failQueued(failure);
      for (const b of batch) b.reject(failure);
      return;
    }
    for (const [i, b] of batch.entries()) {
      try {
        b.resolve(await callPlaceOrder(db, b.arg));
      } catch (err) {
        b.reject(err);
        if (databaseFailure(err) === 'unavailable') {
          // The database itself failed meanwhile: the rest would wait for the same.
          for (const rest of batch.slice(i + 1)) rest.reject(err);
          failQueued(err);
          return;
        }
      }
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
      if (queue.length >= maxQueue) return Promise.reject(writerOverloaded());
      return new Promise((resolve, reject) => {
        queue.push({ arg, resolve, reject });
        pump();
      });
    },
    /** Orders waiting (not yet in a transaction). */
    get queued() {
      return queue.length;
    },
  };
}

export type OrderWriter = ReturnType<typeof createOrderWriter>;

/** In a batch: this order's user lock was not granted within the lock timeout (place_orders). */
export type LockTimedOut = { outcome: 'lock_timeout' };

/** The same failure a single place_order raises (SQLSTATE 55P03), so both are classified alike. */
const quotaLockNotGranted = () =>
  Object.assign(new Error("this user's quota lock was not granted within the lock timeout"), {
    code: '55P03',
  });

export async function callPlaceOrders(
  db: pg.Pool | pg.ClientBase,
  args: PlaceOrderArgument[],
): Promise<(PlaceOrderResult | LockTimedOut)[]> {
  const { rows } = await db.query<{ r: (PlaceOrderResult | LockTimedOut)[] }>({
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
