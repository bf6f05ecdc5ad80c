import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { advisoryLockClassMigration, migrate, readRepeatable } from '@akaso/db';
import { outboxMigrations } from '@akaso/outbox';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Start-up dependencies (a broker still electing, PostgreSQL still starting) are retried rather
 * than crashing the process, so start order does not matter under compose or `pnpm start`.
 */
export async function retryStartup<T>(
  label: string,
  fn: () => Promise<T>,
  logger: Logger,
  { attempts = 30, delayMs = 1_000 } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      // An error that says retrying cannot help (refused credentials, an untrusted certificate)
      // ends the start at once, with its own message.
      if (attempt >= attempts || (err as { retriable?: unknown }).retriable === false) throw err;
      logger.warn({ attempt, err: (err as Error).message }, `${label} not ready, retrying`);
      await sleep(delayMs);
    }
  }
}

/**
 * Migrates a service's database before anything touches its tables: first the outbox's own set
 * (packages/outbox: outbox, processed_events, outbox_enqueue), unless the service publishes
 * nothing, then the service's SQL migrations (Prisma layout), which may use what the first set
 * defined (order-api's place_order calls outbox_enqueue), then the service's functions and views:
 * the repeatable migrations in `sql/` beside `prisma/` (`sql/functions/place_order.sql`),
 * applied again whenever a file changes, after `advisory_lock_class` (@akaso/db), which they use.
 */
export async function migrateDatabase(
  connectionString: string,
  migrationsDir: string,
  logger: Logger,
  { outbox = true }: { outbox?: boolean } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString, application_name: 'migrate' });
  await client.connect();
  try {
    const sqlDir = join(migrationsDir, '..', '..', 'sql');
    // The advisory lock classes first: the service's functions take their locks by class.
    const repeatable = [advisoryLockClassMigration, ...(existsSync(sqlDir) ? readRepeatable(sqlDir) : [])];
    const sets = [
      ...(outbox ? [{ ...outboxMigrations, repeatable: [] }] : []),
      { dir: migrationsDir, table: '_prisma_migrations', repeatable },
    ];
    for (const { dir, table, repeatable } of sets) {
      const result = await migrate(client, dir, { table, repeatable });
      if (result.applied.length > 0) logger.info({ table, applied: result.applied }, 'database migrated');
      if (result.superseded.length > 0) {
        logger.info({ table, migrations: result.superseded }, 'applied earlier in a superseded text');
      }
      if (result.squashed.length > 0) {
        logger.info({ table, baselines: result.squashed }, 'history squashed into a baseline');
      }
      if (result.repeatable.length > 0) {
        logger.info({ applied: result.repeatable }, 'functions and views (re)applied');
      }
    }
  } finally {
    await client.end();
  }
}

export type ShutdownStep = [name: string, step: () => Promise<unknown>];

/**
 * Graceful shutdown on SIGTERM/SIGINT: the steps run in order (stop accepting, stop fetching and
 * finish in-flight work, commit, leave the group, flush the outbox, close pools), each bounded
 * in time so a stuck step cannot keep a rolling restart waiting forever.
 */
export function handleShutdown(
  logger: Logger,
  steps: ShutdownStep[],
  { stepTimeoutMs = 20_000 } = {},
): () => Promise<void> {
  let shuttingDown: Promise<void> | null = null;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      logger.info({}, 'shutting down');
      for (const [name, step] of steps) {
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), stepTimeoutMs).unref());
        try {
          const outcome = await Promise.race([step(), timeout]);
          if (outcome === 'timeout') logger.warn({ step: name }, 'shutdown step timed out');
        } catch (err) {
          logger.error({ step: name, err: (err as Error).message }, 'shutdown step failed');
        }
      }
      logger.info({}, 'stopped');
    })();
    return shuttingDown;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return shutdown;
}
