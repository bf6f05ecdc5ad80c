import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { postgresUrl } from '@akaso/stack-client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
// The start-up's own migration step (the outbox's set first, then the service's), not a copy of it.
import { migrateDatabase } from '../../service/src/lifecycle.ts';
import { type MigrationError, migrate } from '../src/index.ts';
import { schemaDrift } from '../src/schema-drift.ts';

const services = ['order-api', 'inventory', 'payment', 'email'];
const publishing = ['order-api', 'inventory', 'payment'];
const root = join(import.meta.dirname, '..', '..', '..');
// migrateDatabase only logs what it applied.
const silent = { info() {}, warn() {} } as unknown as Parameters<typeof migrateDatabase>[2];
const migrationsOf = (service: string) => join(root, 'services', service, 'prisma', 'migrations');

/** The last commit whose services' first migrations held their own copy of the outbox tables. */
const BEFORE_OUTBOX_SET = 'c2bff9ba17bef4901163977cc25da16adf74768d';
/** The last commit before order-api's history was squashed into a baseline (sql/functions/ since). */
const BEFORE_SQUASH = 'a91dd322e329675b716e77a800876832f9502033';
/** Services whose history was squashed, with the commit before: an older database goes through it first. */
const squashedAt: Record<string, string> = { 'order-api': BEFORE_SQUASH };

async function withDatabase<T>(fn: (url: string, client: pg.Client) => Promise<T>): Promise<T> {
  const database = `it_schema_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  try {
    await client.connect();
    return await fn(postgresUrl(database), client);
  } finally {
    await client.end();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

/** Everything that makes up the public schema, as comparable lines (not the data). */
async function schemaOf(client: pg.Client): Promise<string[]> {
  const parts = [
    `select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable
            || ' default=' || coalesce(column_default, '-') as line
       from information_schema.columns where table_schema = 'public'`,
    `select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as line
       from pg_constraint where connamespace = 'public'::regnamespace`,
    `select 'index ' || indexdef as line from pg_indexes where schemaname = 'public'`,
    `select 'function ' || pg_get_functiondef(oid) as line from pg_proc where pronamespace = 'public'::regnamespace`,
    `select 'trigger ' || pg_get_triggerdef(oid) as line from pg_trigger where not tgisinternal`,
    `select 'storage ' || relname || ' ' || array_to_string(reloptions, ',') as line
       from pg_class where relnamespace = 'public'::regnamespace and reloptions is not null`,
  ];
  const lines: string[] = [];
  for (const text of parts)
    lines.push(...(await client.query<{ line: string }>(text)).rows.map((r) => r.line));
  // A query that lost its `line` column would compare nothing: refuse that instead.
  expect(lines.every((l) => typeof l === 'string')).toBe(true);
  return lines.sort();
}

/** The service's migrations folder as it was at `commit`, written to a scratch folder. */
function migrationsAt(commit: string, service: string): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const folder = `services/${service}/prisma/migrations`;
  const dir = mkdtempSync(join(tmpdir(), `akaso-${service}-old-`));
  // Fails loudly in a checkout without this commit (a shallow clone): the test needs the old text.
  for (const file of git('ls-tree', '-r', '--name-only', commit, '--', folder).split('\n').filter(Boolean)) {
    const target = join(dir, file.slice(folder.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, git('show', `${commit}:${file}`));
  }
  return dir;
}

// Each service's SQL migrations and its schema.prisma must describe the same tables.
describe.each(services)('%s: migrations and schema.prisma', (service) => {
  it('agree column by column on a freshly migrated database', async () => {
    await withDatabase(async (url, client) => {
      await migrateDatabase(url, migrationsOf(service), silent, { outbox: publishing.includes(service) });
      const { rows } = await client.query('select count(*)::int as n from "_prisma_migrations"');
      expect(rows[0].n).toBeGreaterThan(0);
      expect(await schemaDrift(client, join(root, 'services', service, 'prisma', 'schema.prisma'))).toEqual(
        [],
      );
    });
  });
});

// A database created before the outbox had its own migrations (its init migration recorded with
// the old text, which also created the outbox tables) starts with the new code, keeps its rows,
// and ends with exactly the schema of a database created today.
describe.each(publishing)('%s: a database from before the outbox migrations', (service) => {
  it('migrates to the same schema as a fresh one, keeping its outbox rows', async () => {
    const fresh = await withDatabase(async (url, client) => {
      await migrateDatabase(url, migrationsOf(service), silent);
      return schemaOf(client);
    });

    await withDatabase(async (url, client) => {
      const old = await migrate(client, migrationsAt(BEFORE_OUTBOX_SET, service));
      expect(old.applied).toContain('20261124100000_init');
      await client.query(
        `insert into "outbox" ("event_id", "topic", "key", "payload", "headers")
         values (gen_random_uuid(), 'orders', 'user-1', '{"old": true}', '{}')`,
      );
      const oldInit = await client.query(
        `select checksum from "_prisma_migrations" where migration_name = '20261124100000_init'`,
      );
      const squashed = squashedAt[service];
      // A squashed history is upgraded through the last release that still had it.
      if (squashed) await migrateDatabase(url, migrationsAt(squashed, service), silent);

      await migrateDatabase(url, migrationsOf(service), silent);

      expect(await schemaOf(client)).toEqual(fresh);
      const outboxSet = await client.query('select migration_name from "_outbox_migrations"');
      expect(outboxSet.rows).toEqual([{ migration_name: '20261127000000_init' }]);
      // The old init stays recorded as the text that ran (until a baseline takes its place); a
      // second start accepts it again.
      const init = await client.query(
        `select checksum from "_prisma_migrations" where migration_name = '20261124100000_init'`,
      );
      expect(init.rows).toEqual(squashed ? [] : oldInit.rows);
      await migrateDatabase(url, migrationsOf(service), silent);
      const kept = await client.query(`select payload from "outbox"`);
      expect(kept.rows).toEqual([{ payload: { old: true } }]);
    });
  });
});

// order-api's history (the schema, and place_order redefined three times) was squashed into one
// baseline, its functions moved to sql/functions/. A database that ran the old history starts
// with the new code, keeps its orders, and ends with exactly the schema of a database created today.
describe('order-api: a database migrated before the squash', () => {
  const service = 'order-api';

  it('upgrades to the same schema as a fresh one, keeping its orders, with only the baseline recorded', async () => {
    const fresh = await withDatabase(async (url, client) => {
      await migrateDatabase(url, migrationsOf(service), silent);
      return schemaOf(client);
    });

    await withDatabase(async (url, client) => {
      await migrateDatabase(url, migrationsAt(BEFORE_SQUASH, service), silent);
      await client.query(
        `insert into orders (id, user_id, email, burgers, items, total_cents, currency, payment_method,
                             status, mode, correlation_id, created_at, updated_at)
         values (gen_random_uuid(), 'old-user', 'old@akaso.test', 2, '[]', 594, 'eur', 'pm_card_visa',
                 'received', 'async', 'c', now(), now())`,
      );

      await migrateDatabase(url, migrationsOf(service), silent);

      expect(await schemaOf(client)).toEqual(fresh);
      const recorded = await client.query('select migration_name, logs from "_prisma_migrations"');
      expect(recorded.rows).toEqual([
        { migration_name: '20261130000000_baseline', logs: expect.stringMatching(/^squashed: replaces /) },
      ]);
      // The functions are the files' text, and the old orders still count.
      const { rows } = await client.query(
        `select (quota_state('old-user', now(), 5, 86400000, 1)->>'used')::int as used`,
      );
      expect(rows).toEqual([{ used: 2 }]);
      // A second start changes nothing.
      await migrateDatabase(url, migrationsOf(service), silent);
      expect(await schemaOf(client)).toEqual(fresh);
    });
  });

  it('refuses a database that ran only part of the squashed history, naming what it lacks', async () => {
    await withDatabase(async (url, client) => {
      await migrate(client, migrationsAt(BEFORE_OUTBOX_SET, service));
      const error = await migrateDatabase(url, migrationsOf(service), silent).catch((e: unknown) => e);
      expect((error as MigrationError).code).toBe('MIGRATION_PARTLY_SQUASHED');
      expect((error as Error).message).toContain('20261129000000_orders_fillfactor');
    });
  });
});
