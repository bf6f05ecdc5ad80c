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
import { migrate, schemaDrift } from '../src/index.ts';

const services = ['order-api', 'inventory', 'payment', 'email'];
const publishing = ['order-api', 'inventory', 'payment'];
const root = join(import.meta.dirname, '..', '..', '..');
// migrateDatabase only logs what it applied.
const silent = { info() {}, warn() {} } as unknown as Parameters<typeof migrateDatabase>[2];
const migrationsOf = (service: string) => join(root, 'services', service, 'prisma', 'migrations');

/** The last commit whose services' first migrations held their own copy of the outbox tables. */
const BEFORE_OUTBOX_SET = 'c2bff9ba17bef4901163977cc25da16adf74768d';

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

      await migrateDatabase(url, migrationsOf(service), silent);

      expect(await schemaOf(client)).toEqual(fresh);
      const outboxSet = await client.query('select migration_name from "_outbox_migrations"');
      expect(outboxSet.rows).toEqual([{ migration_name: '20261127000000_init' }]);
      // The old init stays recorded as the text that ran; a second start accepts it again.
      const init = await client.query(
        `select checksum from "_prisma_migrations" where migration_name = '20261124100000_init'`,
      );
      expect(init.rows).toEqual(oldInit.rows);
      await migrateDatabase(url, migrationsOf(service), silent);
      const kept = await client.query(`select payload from "outbox"`);
      expect(kept.rows).toEqual([{ payload: { old: true } }]);
    });
  });
});
