import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type pg from 'pg';

/**
 * Applies SQL migrations kept in Prisma's folder layout (prisma/migrations/<name>/migration.sql)
 * without Prisma's schema engine, which is a native binary downloaded from a host this project
 * cannot rely on. Bookkeeping uses Prisma's own `_prisma_migrations` table and checksums, so
 * `prisma migrate status|deploy` on a machine that has the engine sees the same history.
 *
 * Each migration runs in its own transaction (PostgreSQL DDL is transactional), under an
 * advisory lock so two services starting at once cannot apply the same migration twice.
 *
 * A shared package can own a set of its own (packages/outbox's tables): that set keeps its
 * bookkeeping in a table of its own (`table`), so a service's `_prisma_migrations` holds exactly
 * the service's folder and the two histories never mistake each other's entries for unknown.
 *
 * Versioned migrations hold schema changes. Functions and views are repeatable migrations
 * (Flyway's `R__` idea): one file each, today's text, applied after the versioned ones and again
 * whenever the file's checksum differs from the one recorded in `_repeatable_migrations`. So the
 * file is the rule, and nobody has to find the newest migration that redefined it.
 *
 * A history can be squashed: a baseline migration lists, in its `replaces` file, the migrations
 * it stands for. A fresh database applies the baseline; one that applied every replaced
 * migration records the baseline as applied in their place; one that applied only some of them
 * is refused (it must first be brought up to date by a release that still has them), because
 * neither the baseline nor the missing steps could be applied to it safely.
 */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** Already applied in an earlier text that the migration lists as superseded (see below). */
  superseded: string[];
  /** Baselines recorded as applied because the database had applied every migration they replace. */
  squashed: string[];
  /** Repeatable migrations (re)applied because their text changed or was never applied. */
  repeatable: string[];
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
  /**
   * Checksums of earlier texts of this migration that a database may have recorded, from the
   * migration's `superseded-checksums` file. A migration is never edited in place, except to move
   * what it did into another migration that is applied before it and is idempotent (so the
   * databases that ran the old text end up with the same schema): the old checksum then goes
   * into that list, with why, and only those exact texts are accepted.
   */
  superseded: string[];
  /** The migrations this one is a squashed baseline of, from its `replaces` file (see above). */
  replaces: string[];
}

/** A function or view definition, applied again whenever its text changes (see above). */
export interface RepeatableMigration {
  /** Its key in `_repeatable_migrations`, e.g. `functions/place_order.sql`. */
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** The bookkeeping table (Prisma's columns). Default `_prisma_migrations`. */
  table?: string;
  /**
   * Applied after the versioned migrations, in the order given, each in its own transaction when
   * its checksum differs from the one recorded. Each must be safe to run again (CREATE OR REPLACE).
   */
  repeatable?: RepeatableMigration[];
}

/** The bookkeeping table of repeatable migrations, one per database. */
const REPEATABLE_TABLE = '_repeatable_migrations';

// Same key as Prisma's migrate lock, so our runner and `prisma migrate deploy` exclude each other.
const ADVISORY_LOCK_KEY = 72707369;

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new Error(`no migrations folder at ${migrationsDir}`);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const file = join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) throw new Error(`${name}: migration.sql is missing`);
      const sql = readFileSync(file, 'utf8');
      const dir = join(migrationsDir, name);
      return {
        name,
        sql,
        checksum: checksum(sql),
        superseded: readSuperseded(dir),
        replaces: readReplaces(dir),
      };
    });
}

const REPLACES_FILE = 'replaces';

/** `<migration>/replaces`: one migration name a line; `#` starts a comment. */
export function readReplaces(migrationDir: string): string[] {
  return readListFile(join(migrationDir, REPLACES_FILE), (line, file) => {
    if (!/^[0-9]{14}_[a-z0-9_]+$/.test(line)) throw new Error(`${file}: not a migration name: ${line}`);
    return line;
  });
}

/** The lines of an optional list file, `#` comments and blank lines dropped, each checked by `parse`. */
function readListFile(file: string, parse: (line: string, file: string) => string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => parse(line, file));
}

/**
 * Every `.sql` file under `dir` (e.g. `sql/functions/place_order.sql`), named by its path inside
 * `dir`, in name order. Files are independent of each other's order where PostgreSQL allows it
 * (plpgsql bodies are resolved when called); a file that needs another defined first sorts after it.
 */
export function readRepeatable(dir: string): RepeatableMigration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.sql'))
    .map((name) => name.split(sep).join('/'))
    .sort()
    .map((name) => repeatableMigration(name, readFileSync(join(dir, name), 'utf8')));
}

export function repeatableMigration(name: string, sql: string): RepeatableMigration {
  return { name, sql, checksum: checksum(sql) };
}

const SUPERSEDED_FILE = 'superseded-checksums';

/**
 * `<migration>/superseded-checksums`: one sha256 (hex, as `_prisma_migrations.checksum`) a line,
 * optionally followed by a note; `#` starts a comment. Anything else is refused, so a typo cannot
 * quietly turn the check off.
 */
export function readSuperseded(migrationDir: string): string[] {
  return readListFile(join(migrationDir, SUPERSEDED_FILE), (line, file) => {
    const sum = line.split(/\s+/)[0] ?? '';
    if (!/^[0-9a-f]{64}$/.test(sum)) throw new Error(`${file}: not a sha256 checksum: ${line}`);
    return sum;
  });
}

export class MigrationError extends Error {
  readonly code: 'MIGRATION_EDITED' | 'MIGRATION_FAILED' | 'MIGRATION_UNKNOWN' | 'MIGRATION_PARTLY_SQUASHED';
  constructor(code: MigrationError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

export async function migrate(
  client: pg.ClientBase,
  migrationsDir: string,
  { table = '_prisma_migrations', repeatable = [] }: MigrateOptions = {},
): Promise<MigrationResult> {
  // The name is spliced into SQL: only a plain identifier.
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a bookkeeping table name: ${table}`);
  const files = readMigrations(migrationsDir);
  await client.query('select pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
  try {
    await client.query(`
      create table if not exists "${table}" (
        "id"                  varchar(36) primary key not null,
        "checksum"            varchar(64) not null,
        "finished_at"         timestamptz,
        "migration_name"      varchar(255) not null,
        "logs"                text,
        "rolled_back_at"      timestamptz,
        "started_at"          timestamptz not null default now(),
        "applied_steps_count" integer not null default 0
      )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `select migration_name, checksum from "${table}"
        where finished_at is not null and rolled_back_at is null`,
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const known = new Set(files.flatMap((f) => [f.name, ...f.replaces]));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(
          'MIGRATION_UNKNOWN',
          `the database has migration ${name}, which is not in ${migrationsDir}: is this the right database or branch?`,
        );
      }
    }
    const result: MigrationResult = {
      applied: [],
      alreadyApplied: [],
      superseded: [],
      squashed: [],
      repeatable: [],
    };
    for (const file of files) {
      const existing = applied.get(file.name);
      const replaced = file.replaces.filter((name) => applied.has(name));
      if (existing === undefined && replaced.length > 0) {
        if (replaced.length < file.replaces.length) {
          const missing = file.replaces.filter((name) => !applied.has(name));
          throw new MigrationError(
            'MIGRATION_PARTLY_SQUASHED',
            `migration ${file.name} replaces ${file.replaces.length} migrations, of which this database ` +
              `has not applied ${missing.join(', ')}: migrate it with a release that still has them first`,
          );
        }
        // The replaced rows give way to the baseline, so the table matches the folder (what
        // `prisma migrate status` compares); their names stay in the baseline's logs.
        await inTransaction(client, file.name, async () => {
          await client.query(`delete from "${table}" where migration_name = any($1)`, [file.replaces]);
          await client.query(
            `insert into "${table}" (id, checksum, migration_name, finished_at, applied_steps_count, logs)
             values ($1, $2, $3, now(), 0, $4)`,
            [randomUUID(), file.checksum, file.name, `squashed: replaces ${file.replaces.join(', ')}`],
          );
        });
        result.squashed.push(file.name);
        continue;
      }
      if (existing !== undefined) {
        if (existing === file.checksum) {
          result.alreadyApplied.push(file.name);
        } else if (file.superseded.includes(existing)) {
          // The recorded checksum stays as it is: it says which text really ran.
          result.superseded.push(file.name);
        } else {
          throw new MigrationError(
            'MIGRATION_EDITED',
            `migration ${file.name} was edited after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await inTransaction(client, file.name, async () => {
        await client.query(file.sql);
        await client.query(
          `insert into "${table}" (id, checksum, migration_name, finished_at, applied_steps_count)
           values ($1, $2, $3, now(), 1)`,
          [randomUUID(), file.checksum, file.name],
        );
      });
      result.applied.push(file.name);
    }
    if (repeatable.length > 0) result.repeatable = await applyRepeatable(client, repeatable);
    return result;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
  }
}

/** Each changed or new repeatable migration, with its checksum, in one transaction of its own. */
async function applyRepeatable(client: pg.ClientBase, files: RepeatableMigration[]): Promise<string[]> {
  await client.query(`
    create table if not exists "${REPEATABLE_TABLE}" (
      "name"       text primary key not null,
      "checksum"   varchar(64) not null,
      "applied_at" timestamptz not null default now()
    )`);
  const { rows } = await client.query<{ name: string; checksum: string }>(
    `select name, checksum from "${REPEATABLE_TABLE}"`,
  );
  const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
  const applied: string[] = [];
  for (const file of files) {
    if (recorded.get(file.name) === file.checksum) continue;
    await inTransaction(client, file.name, async () => {
      await client.query(file.sql);
      await client.query(
        `insert into "${REPEATABLE_TABLE}" (name, checksum) values ($1, $2)
         on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
        [file.name, file.checksum],
      );
    });
    applied.push(file.name);
  }
  return applied;
}

async function inTransaction(client: pg.ClientBase, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await client.query('begin');
    await fn();
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw new MigrationError('MIGRATION_FAILED', `migration ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
