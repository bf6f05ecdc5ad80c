/**
 * Runs the Prisma CLI offline. `prisma generate` needs no engine (the client runs on the pg
 * driver adapter), but the CLI insists on finding its schema-engine binary, which it would
 * download from a host this project cannot reach. We point it at a stand-in that explains itself
 * if anything ever tries to run it, and refuse the commands that truly need the engine: this
 * project's migrations are SQL files applied by packages/db (see docs/reference.md, "Database migrations").
 * Set PRISMA_SCHEMA_ENGINE_BINARY yourself to use a real engine.
 *
 *   node scripts/prisma.ts generate      (run in a folder holding prisma.config.ts)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from './stack/paths.ts';

const args = process.argv.slice(2);
const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' };

if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  if (['migrate', 'db'].includes(args[0] ?? '')) {
    console.error(
      `prisma ${args[0]} needs Prisma's schema engine, which is not available offline.\n` +
        'Migrations here are plain SQL in prisma/migrations/<timestamp>_<name>/migration.sql, applied by\n' +
        'packages/db (migrate()) at start-up; `pnpm test` checks that schema.prisma and the migrated tables agree.',
    );
    process.exit(2);
  }
  const standIn = join(dataDir, 'prisma', 'schema-engine-unavailable');
  if (!existsSync(standIn)) {
    mkdirSync(join(dataDir, 'prisma'), { recursive: true });
    writeFileSync(
      standIn,
      '#!/bin/sh\necho "Prisma schema engine not installed (offline setup): see scripts/prisma.ts" >&2\nexit 1\n',
    );
    chmodSync(standIn, 0o755);
  }
  env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;
}

const result = spawnSync('prisma', args, { stdio: 'inherit', env });
if (result.error) {
  console.error(
    `could not run prisma: ${result.error.message} (run this through pnpm, in a package that depends on prisma)`,
  );
  process.exit(1);
}
process.exit(result.status ?? 1);
