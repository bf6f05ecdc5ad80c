import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
 */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** Already applied in an earlier text that the migration lists as superseded (see below). */
  superseded: string[];
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
}

export interface MigrateOptions {
  /** The bookkeeping table (Prisma's columns). Default `_prisma_migrations`. */
  table?: string;
}

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
      return { name, sql, checksum: checksum(sql), superseded: readSuperseded(join(migrationsDir, name)) };
    });
}

const SUPERSEDED_FILE = 'superseded-checksums';

/**
 * `<migration>/superseded-checksums`: one sha256 (hex, as `_prisma_migrations.checksum`) a line,
 * optionally followed by a note; `#` starts a comment. Anything else is refused, so a typo cannot
 * quietly turn the check off.
 */
export function readSuperseded(migrationDir: string): string[] {
  const file = join(migrationDir, SUPERSEDED_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const sum = line.split(/\s+/)[0] ?? '';
      if (!/^[0-9a-f]{64}$/.test(sum)) throw new Error(`${file}: not a sha256 checksum: ${line}`);
      return sum;
    });
}

export class MigrationError extends Error {
  readonly code: 'MIGRATION_EDITED' | 'MIGRATION_FAILED' | 'MIGRATION_UNKNOWN';
  constructor(code: MigrationError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

export async function migrate(
  client: pg.ClientBase,
  migrationsDir: string,
  { table = '_prisma_migrations' }: MigrateOptions = {},
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
    const known = new Set(files.map((f) => f.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(
          'MIGRATION_UNKNOWN',
          `the database has migration ${name}, which is not in ${migrationsDir}: is this the right database or branch?`,
        );
      }
    }
    const result: MigrationResult = { applied: [], alreadyApplied: [], superseded: [] };
    for (const file of files) {
      const existing = applied.get(file.name);
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
      try {
        await client.query('begin');
        await client.query(file.sql);
        await client.query(
          `insert into "${table}" (id, checksum, migration_name, finished_at, applied_steps_count)
           values ($1, $2, $3, now(), 1)`,
          [randomUUID(), file.checksum, file.name],
        );
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new MigrationError(
          'MIGRATION_FAILED',
          `migration ${file.name} failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      result.applied.push(file.name);
    }
    return result;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
  }
}
