import { createLogger } from '@akaso/config';
import { stack, uniqueUser } from '@akaso/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { callPlaceOrder } from '../src/orders/order-writer.ts';
import { createIdempotencyRetention } from '../src/orders/retention.ts';
import { arg, H, rolledBack, scratchClient, scratchDatabase, t0, useScratchDatabase } from './fixtures.ts';

/** Idempotency keys as place_order stores them, and their retention, on the real PostgreSQL. */
useScratchDatabase();

describe('Idempotency-Keys in place_order', () => {
  it('are scoped per user: the same key of another user is a new order, never their answer', async () => {
    const [alice, mallory] = [uniqueUser('alice'), uniqueUser('mallory')];
    await rolledBack(async () => {
      const first = await callPlaceOrder(scratchClient(), arg(alice, 1, t0, { idempotencyKey: 'k-1' }));
      expect(first.outcome).toBe('accepted');
      const again = await callPlaceOrder(scratchClient(), arg(alice, 1, t0 + 1, { idempotencyKey: 'k-1' }));
      expect(again).toEqual({ outcome: 'replayed', body: first.outcome === 'accepted' ? first.body : null });
      // A different body under the same key: refused, naming only the user's own order.
      const reused = await callPlaceOrder(
        scratchClient(),
        arg(alice, 2, t0 + 2, { idempotencyKey: 'k-1', requestHash: 'other' }),
      );
      expect(reused).toMatchObject({
        outcome: 'key_reused',
        orderId: first.outcome === 'accepted' ? first.body.orderId : '',
      });
      const guessed = await callPlaceOrder(
        scratchClient(),
        arg(mallory, 1, t0 + 3, { idempotencyKey: 'k-1', requestHash: 'other' }),
      );
      expect(guessed.outcome).toBe('accepted');
      expect(JSON.stringify(guessed)).not.toContain(first.outcome === 'accepted' ? first.body.orderId : 'x');
    });
  });

  it('expire: the retention job deletes keys older than the TTL and keeps the rest', async () => {
    const userId = uniqueUser('ttl');
    const now = Date.now();
    await callPlaceOrder(scratchClient(), arg(userId, 1, now - 50 * H, { idempotencyKey: 'old' }));
    await callPlaceOrder(scratchClient(), arg(userId, 1, now - 1 * H, { idempotencyKey: 'fresh' }));
    const pool = new pg.Pool({ connectionString: `${stack.postgres}/${scratchDatabase}`, max: 1 });
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
      const { rows } = await scratchClient().query(`select key from idempotency_keys where user_id = $1`, [
        userId,
      ]);
      expect(rows).toEqual([{ key: 'fresh' }]);
    } finally {
      await pool.end();
    }
  });
});
