import { AppError } from '@akaso/service';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createOrderWriter } from './order-writer.ts';
import type { PlaceOrderArgument, PlaceOrderResult } from './place-order-argument.ts';

/**
 * The order writer's queue and its handling of failed batches, over a scripted stand-in for the
 * pool (the SQL itself is tested against PostgreSQL in test/order-writer.int.test.ts).
 */
const arg = (userId: string) => ({ orderId: `o-${userId}`, userId }) as unknown as PlaceOrderArgument;

const accepted = (a: { orderId: string }) =>
  ({ outcome: 'accepted', body: { orderId: a.orderId } }) as unknown as PlaceOrderResult;

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

interface Call {
  name: 'akaso_place_orders' | 'akaso_place_order';
  args: { orderId: string; userId: string }[];
  resolve(): void;
  reject(err: unknown): void;
}

/** A pool whose every query waits until the test answers it (calls[i].resolve/reject). */
function scriptedPool() {
  const calls: Call[] = [];
  const pool = {
    query(cfg: { name: Call['name']; values: [string] }) {
      const parsed = JSON.parse(cfg.values[0]) as Call['args'] | Call['args'][number];
      const args = Array.isArray(parsed) ? parsed : [parsed];
      return new Promise((resolve, reject) => {
        calls.push({
          name: cfg.name,
          args,
          resolve: () =>
            resolve({
              rows: [
                { r: Array.isArray(parsed) ? args.map(accepted) : accepted(args[0] as Call['args'][0]) },
              ],
            }),
          reject,
        });
      });
    },
  };
  return { pool: pool as unknown as pg.Pool, calls };
}

const settle = () => new Promise((r) => setImmediate(r));
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'placed',
    (e: unknown) =>
      e instanceof AppError ? e.code : ((e as { code?: string }).code ?? (e as Error).message),
  );

/** A writer that holds one call in flight (order `a`, `first`) and `users`' orders queued behind it (`batch`). */
function oneInFlight(users: string[]) {
  const { pool, calls } = scriptedPool();
  const writer = createOrderWriter(pool, { maxInFlight: 1 });
  const first = outcome(writer.place(arg('a')));
  const batch = users.map((u) => outcome(writer.place(arg(u))));
  return { writer, calls, first, batch };
}

describe('the order writer', () => {
  it('refuses an order beyond its queue at once with 503 OVERLOADED, and takes orders again once it drains', async () => {
    const { pool, calls } = scriptedPool();
    const writer = createOrderWriter(pool, { maxInFlight: 1, maxQueue: 2 });
    const first = outcome(writer.place(arg('a')));
    const queued = [outcome(writer.place(arg('b'))), outcome(writer.place(arg('c')))];
    const refused = writer.place(arg('d'));
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED', statusCode: 503 });
    expect(writer.queued).toBe(2);

    calls[0]?.resolve();
    await settle();
    // The two that waited go together, in one call.
    expect(calls[1]?.args.map((a) => a.userId)).toEqual(['b', 'c']);
    expect(writer.queued).toBe(0);
    const again = outcome(writer.place(arg('e')));
    calls[1]?.resolve();
    await settle();
    calls[2]?.resolve();
    expect(await Promise.all([first, ...queued, again])).toEqual(['placed', 'placed', 'placed', 'placed']);
  });

  it('fails a batch the database did not answer in time at once, with the orders queued behind it, never one by one', async () => {
    const { writer, calls, first, batch } = oneInFlight(['c', 'd', 'e']);
    calls[0]?.resolve();
    expect(await first).toBe('placed');
    await settle();
    expect(calls[1]?.args).toHaveLength(3);
    const behind = ['f', 'g'].map((u) => outcome(writer.place(arg(u))));
    calls[1]?.reject(new Error('Query read timeout'));
    expect(await Promise.all([...batch, ...behind])).toEqual(Array(5).fill('Query read timeout'));
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a connection cut', withCode('ECONNRESET')],
    ['too many connections', withCode('53300')],
    ['no free pooled connection in time', new Error('timeout exceeded when trying to connect')],
  ])('treats %s the same way', async (_, err) => {
    const { calls, first, batch } = oneInFlight(['b', 'c']);
    calls[0]?.reject(err);
    expect(await first).not.toBe('placed');
    // The queued pair was failed with it: nothing more reached the database.
    expect(await Promise.all(batch)).toEqual([await first, await first]);
    expect(calls).toHaveLength(1);
  });

  it('tries a batch that met a deadlock once more as a whole', async () => {
    const { calls, first, batch } = oneInFlight(['b', 'c']);
    calls[0]?.resolve();
    await settle();
    calls[1]?.reject(withCode('40P01', 'deadlock detected'));
    await settle();
    expect(calls[2]?.name).toBe('akaso_place_orders');
    calls[2]?.resolve();
    expect(await Promise.all([first, ...batch])).toEqual(['placed', 'placed', 'placed']);
  });

  it('places a batch one order at a time when one order fails for its own reason: that error is its alone', async () => {
    const { calls, first, batch } = oneInFlight(['b', 'c', 'd']);
    calls[0]?.resolve();
    await settle();
    calls[1]?.reject(withCode('23514', 'violates check constraint'));
    for (const [i, fails] of [false, true, false].entries()) {
      await settle();
      const call = calls[2 + i];
      expect(call?.name).toBe('akaso_place_order');
      if (fails) call?.reject(withCode('23514', 'violates check constraint'));
      else call?.resolve();
    }
    expect(await Promise.all([first, ...batch])).toEqual(['placed', 'placed', '23514', 'placed']);
  });

  it('stops placing one by one when the database stops answering meanwhile', async () => {
    const { calls, first, batch } = oneInFlight(['b', 'c', 'd']);
    calls[0]?.resolve();
    await settle();
    calls[1]?.reject(withCode('23514'));
    await settle();
    calls[2]?.reject(new Error('Query read timeout'));
    expect(await Promise.all(batch)).toEqual(Array(3).fill('Query read timeout'));
    expect(await first).toBe('placed');
    expect(calls).toHaveLength(3);
  });
});
