import type { Logger } from '@akaso/config';
import type pg from 'pg';
import type { Clock } from '../clock.ts';

/**
 * Idempotency-Keys are kept for a retry window (IDEMPOTENCY_KEY_TTL_HOURS, longer than the quota
 * window), not forever: every few minutes the keys older than that are deleted, in bounded
 * batches so no delete holds locks or fills the WAL for long. Running it on every instance is
 * harmless: two deletes of the same rows simply find fewer.
 */
export interface RetentionOptions {
  pool: pg.Pool;
  clock: Clock;
  logger: Logger;
  ttlMs: number;
  intervalMs: number;
  batchSize?: number;
}

export function createIdempotencyRetention(opts: RetentionOptions) {
  const batchSize = opts.batchSize ?? 5_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** Deletes every expired key; returns how many. */
  async function runOnce(): Promise<number> {
    const cutoff = new Date(opts.clock.now().getTime() - opts.ttlMs);
    let total = 0;
    for (;;) {
      const { rowCount } = await opts.pool.query(
        `delete from "idempotency_keys" where ctid = any(array(
           select ctid from "idempotency_keys" where "created_at" < $1 limit $2))`,
        [cutoff, batchSize],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) return total;
    }
  }

  const tick = () => {
    running ??= runOnce()
      .then((deleted) => {
        if (deleted > 0) opts.logger.info({ deleted }, 'expired idempotency keys deleted');
        return deleted;
      })
      .catch((err: unknown) => {
        // A database outage only postpones it to the next tick.
        opts.logger.warn({ err: (err as Error).message }, 'idempotency key retention failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
  };

  return {
    runOnce,
    start() {
      tick();
      timer = setInterval(tick, opts.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
