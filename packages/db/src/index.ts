export { isDatabaseUnavailable, POOL_TIMEOUT } from './errors.ts';
export type { Listener, ListenerOptions } from './listener.ts';
export { createListener } from './listener.ts';
export type { MigrateOptions, MigrationFile, MigrationResult } from './migrate.ts';
export { checksum, MigrationError, migrate, readMigrations, readSuperseded } from './migrate.ts';
export type { Pool, PoolClient, PoolOptions } from './pool.ts';
export { createPool, transaction } from './pool.ts';
export type { Column, TableShape } from './schema-drift.ts';
export { diffTables, liveTables, prismaTables, schemaDrift } from './schema-drift.ts';
