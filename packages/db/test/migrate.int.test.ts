import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUrl } from '@akaso/stack-client';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum, MigrationError, migrate, repeatableMigration } from '../src/index.ts';
import { schemaDrift } from '../src/schema-drift.ts';
import { PrismaClient } from './fixture/generated/prisma/client.ts';

const fixture = join(import.meta.dirname, 'fixture', 'prisma');
const nothing = { applied: [], alreadyApplied: [], superseded: [], squashed: [], repeatable: [] };
const database = `it_db_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
let client: pg.Client;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${database}`);
  client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

describe('SQL migrations in Prisma layout, applied without the schema engine', () => {
  it('applies pending migrations once and records them in _prisma_migrations', async () => {
    const first = await migrate(client, join(fixture, 'migrations'));
    expect(first).toEqual({ ...nothing, applied: ['20261124000000_init'] });
    const second = await migrate(client, join(fixture, 'migrations'));
    expect(second).toEqual({ ...nothing, alreadyApplied: ['20261124000000_init'] });
    const { rows } = await client.query('select migration_name, finished_at from "_prisma_migrations"');
    expect(rows).toHaveLength(1);
    expect(rows[0].finished_at).not.toBeNull();
  });

  it('leaves schema.prisma and the live tables in agreement', async () => {
    expect(await schemaDrift(client, join(fixture, 'schema.prisma'))).toEqual([]);
  });

  it('serves the generated Prisma client through the pg driver adapter', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: postgresUrl(database) }) });
    try {
      await prisma.burger.create({ data: { id: 'classic', name: 'Classic', priceCents: 899 } });
      await prisma.orderLine.createMany({
        data: [
          { burgerId: 'classic', quantity: 2 },
          { burgerId: 'classic', quantity: 3 },
        ],
      });
      const burger = await prisma.burger.findUniqueOrThrow({
        where: { id: 'classic' },
        include: { orders: true },
      });
      expect(burger.orders.map((o) => o.quantity).sort()).toEqual([2, 3]);
      expect(typeof burger.orders[0]?.id).toBe('bigint');
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
    cpSync(join(fixture, 'migrations'), dir, { recursive: true });
    writeFileSync(join(dir, '20261124000000_init', 'migration.sql'), '-- edited\nselect 1;\n');
    const error = await migrate(client, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('MIGRATION_EDITED');
  });

  it('accepts an applied text the migration lists as superseded, and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
    cpSync(join(fixture, 'migrations'), dir, { recursive: true });
    const init = join(dir, '20261124000000_init');
    const applied = readFileSync(join(init, 'migration.sql'), 'utf8');
    writeFileSync(join(init, 'migration.sql'), `-- moved elsewhere\n${applied}`);

    const refused = await migrate(client, dir).catch((e: unknown) => e);
    expect((refused as MigrationError).code).toBe('MIGRATION_EDITED');

    writeFileSync(join(init, 'superseded-checksums'), `${checksum('-- another text\n')}  not what ran\n`);
    const stillRefused = await migrate(client, dir).catch((e: unknown) => e);
    expect((stillRefused as MigrationError).code).toBe('MIGRATION_EDITED');

    writeFileSync(join(init, 'superseded-checksums'), `${checksum(applied)}  the text that ran\n`);
    expect(await migrate(client, dir)).toEqual({ ...nothing, superseded: ['20261124000000_init'] });
    // The record keeps the checksum of the text that really ran.
    const { rows } = await client.query('select checksum from "_prisma_migrations"');
    expect(rows).toEqual([{ checksum: checksum(applied) }]);
  });

  it('keeps a second set of migrations in its own bookkeeping table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
    mkdirSync(join(dir, '20261127000000_shared'));
    writeFileSync(
      join(dir, '20261127000000_shared', 'migration.sql'),
      'create table shared_thing (id int);\n',
    );
    const result = await migrate(client, dir, { table: '_shared_migrations' });
    expect(result.applied).toEqual(['20261127000000_shared']);
    // Neither history sees the other's migrations as unknown.
    expect((await migrate(client, join(fixture, 'migrations'))).alreadyApplied).toEqual([
      '20261124000000_init',
    ]);
    expect((await migrate(client, dir, { table: '_shared_migrations' })).alreadyApplied).toEqual([
      '20261127000000_shared',
    ]);
    const prisma = await client.query('select migration_name from "_prisma_migrations"');
    expect(prisma.rows.map((r) => r.migration_name)).toEqual(['20261124000000_init']);
    await client.query('drop table shared_thing; drop table "_shared_migrations"');
    await expect(migrate(client, dir, { table: 'x"; drop table burgers; --' })).rejects.toThrow(
      /not a bookkeeping table name/,
    );
  });

  it('rolls back a failing migration entirely and applies nothing of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
    cpSync(join(fixture, 'migrations'), dir, { recursive: true });
    cpSync(join(dir, '20261124000000_init'), join(dir, '20261124000001_broken'), { recursive: true });
    writeFileSync(
      join(dir, '20261124000001_broken', 'migration.sql'),
      'create table half_done (id int);\nalter table no_such_table add column x int;\n',
    );
    const error = await migrate(client, dir).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
    const { rows } = await client.query("select to_regclass('half_done') as t");
    expect(rows[0].t).toBeNull();
    const names = await client.query('select migration_name from "_prisma_migrations"');
    expect(names.rows.map((r) => r.migration_name)).toEqual(['20261124000000_init']);
  });

  it('reports drift when the database and schema.prisma disagree', async () => {
    await client.query('alter table order_lines add column note text');
    await client.query('alter table burgers alter column name drop not null');
    const drift = await schemaDrift(client, join(fixture, 'schema.prisma'));
    expect(drift).toEqual([
      'column burgers.name is nullable in the database, required in schema.prisma',
      'column order_lines.note is in the database but not in schema.prisma',
    ]);
  });
});

/** A scratch folder of migrations: name → migration.sql, and optionally a `replaces` list. */
function migrations(set: Record<string, string | { sql: string; replaces: string[] }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
  for (const [name, m] of Object.entries(set)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), typeof m === 'string' ? m : m.sql);
    if (typeof m !== 'string') writeFileSync(join(dir, name, 'replaces'), `${m.replaces.join('\n')}\n`);
  }
  return dir;
}

describe('repeatable migrations and squashed baselines', () => {
  const fn = (answer: number) =>
    repeatableMigration(
      'functions/answer.sql',
      `create or replace function answer() returns int language sql as $$ select ${answer} $$;\n`,
    );
  const answer = async () => (await client.query('select answer() as a')).rows[0].a;
  const recorded = async () =>
    (await client.query('select name, checksum from "_repeatable_migrations" order by name')).rows;

  it('applies a function after the versioned migrations, and again only when its text changes', async () => {
    const dir = migrations({ '20261201000000_t': 'create table r_thing (id int);\n' });
    const first = await migrate(client, dir, { table: '_r_migrations', repeatable: [fn(1)] });
    expect(first).toMatchObject({ applied: ['20261201000000_t'], repeatable: ['functions/answer.sql'] });
    expect(await answer()).toBe(1);
    expect(await recorded()).toEqual([{ name: 'functions/answer.sql', checksum: fn(1).checksum }]);

    const same = await migrate(client, dir, { table: '_r_migrations', repeatable: [fn(1)] });
    expect(same).toMatchObject({ applied: [], repeatable: [] });

    const changed = await migrate(client, dir, { table: '_r_migrations', repeatable: [fn(2)] });
    expect(changed.repeatable).toEqual(['functions/answer.sql']);
    expect(await answer()).toBe(2);
    expect(await recorded()).toEqual([{ name: 'functions/answer.sql', checksum: fn(2).checksum }]);
  });

  it('rolls back a failing function text entirely: the old one and its checksum stay', async () => {
    const dir = migrations({ '20261201000000_t': 'create table r_thing (id int);\n' });
    const broken = repeatableMigration('functions/answer.sql', `${fn(3).sql}select no_such_function();\n`);
    const error = await migrate(client, dir, { table: '_r_migrations', repeatable: [broken] }).catch(
      (e: unknown) => e,
    );
    expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
    expect(await answer()).toBe(2);
    expect(await recorded()).toEqual([{ name: 'functions/answer.sql', checksum: fn(2).checksum }]);
    await client.query('drop table r_thing; drop table "_r_migrations"; drop function answer()');
    await client.query('delete from "_repeatable_migrations"');
  });

  const history = {
    '20261202000000_a': 'create table s_thing (id int);\n',
    '20261202000001_b': 'alter table s_thing add column name text;\n',
  };
  const baseline = {
    sql: 'create table s_thing (id int, name text);\n',
    replaces: Object.keys(history),
  };
  const columns = async () =>
    (
      await client.query(
        `select column_name from information_schema.columns where table_name = 's_thing' order by 1`,
      )
    ).rows.map((r) => r.column_name);

  it('records a baseline in place of the migrations it replaces when the database applied them all', async () => {
    const table = '_s_migrations';
    await migrate(client, migrations(history), { table });
    const squashed = await migrate(client, migrations({ '20261202000002_baseline': baseline }), { table });
    expect(squashed).toEqual({ ...nothing, squashed: ['20261202000002_baseline'] });
    expect(await columns()).toEqual(['id', 'name']);
    const { rows } = await client.query(`select migration_name, logs from "${table}"`);
    expect(rows).toEqual([
      {
        migration_name: '20261202000002_baseline',
        logs: 'squashed: replaces 20261202000000_a, 20261202000001_b',
      },
    ]);
    // From then on the baseline is simply applied.
    expect(await migrate(client, migrations({ '20261202000002_baseline': baseline }), { table })).toEqual({
      ...nothing,
      alreadyApplied: ['20261202000002_baseline'],
    });
    await client.query(`drop table s_thing; drop table "${table}"`);
  });

  it('applies the baseline to a fresh database', async () => {
    const table = '_s_migrations';
    const fresh = await migrate(client, migrations({ '20261202000002_baseline': baseline }), { table });
    expect(fresh.applied).toEqual(['20261202000002_baseline']);
    expect(await columns()).toEqual(['id', 'name']);
    await client.query(`drop table s_thing; drop table "${table}"`);
  });

  it('refuses a database that applied only some of the replaced migrations, and changes nothing', async () => {
    const table = '_s_migrations';
    await migrate(client, migrations({ '20261202000000_a': history['20261202000000_a'] }), { table });
    const error = await migrate(client, migrations({ '20261202000002_baseline': baseline }), { table }).catch(
      (e: unknown) => e,
    );
    expect((error as MigrationError).code).toBe('MIGRATION_PARTLY_SQUASHED');
    expect((error as Error).message).toContain('20261202000001_b');
    expect(await columns()).toEqual(['id']);
    await client.query(`drop table s_thing; drop table "${table}"`);
  });
});
