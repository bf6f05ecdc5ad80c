export type { AdvisoryLockPurpose } from './advisory-locks.ts';
export { advisoryLockClass, advisoryLockClassMigration } from './advisory-locks.ts';
export { DatabaseError, sqlStateVerdict, toDatabaseError } from './database-error.ts';
export { isDatabaseUnavailable, POOL_TIMEOUT } from './errors.ts';
export type { Listener, ListenerOptions } from './listener.ts';
export { createListener } from './listener.ts';
export type { MigrateOptions, MigrationFile, MigrationResult, RepeatableMigration } from './migrate.ts';
export {
  checksum,
  MigrationError,
  migrate,
  readMigrations,
  readRepeatable,
  readReplaces,
  readSuperseded,
  repeatableMigration,
} from './migrate.ts';
export type { Pool, PoolClient, PoolOptions } from './pool.ts';
export { createPool, transaction } from './pool.ts';
export type { DatabaseTimeouts } from './timeouts.ts';
export { connectionOptions, databaseTimeoutDefaults } from './timeouts.ts';
