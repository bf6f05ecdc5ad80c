import { join } from 'node:path';

/**
 * The outbox's own schema (outbox, processed_events, outbox_enqueue), kept once here rather than
 * copied into each service's migrations. packages/service applies it before the migrations of
 * every service that publishes; its history lives in a table of its own, beside the service's
 * `_prisma_migrations`. The folder ships with the package ("files": sql), so the path resolves
 * the same from src/ (development) and dist/ (a deployed image).
 */
export const outboxMigrations = {
  dir: join(import.meta.dirname, '..', 'sql', 'migrations'),
  table: '_outbox_migrations',
} as const;
