import { repeatableMigration } from './migrate.ts';

/**
 * Every advisory lock the services take, by purpose: the class is the first key of PostgreSQL's
 * two-key form `pg_advisory_[xact_]lock(classid int4, objid int4)`, the second says which one
 * (a user's hash, 0 for a singleton). Two purposes can then never share a lock, whatever their
 * objids hash to: a user id can no longer wait on the relay's leadership, as it could when both
 * were `hashtext(...)` in one 32-bit space.
 *
 * The single-key form (one bigint) is a separate space again: the migration lock keeps Prisma's
 * own key there (migrate.ts), so our runner and `prisma migrate deploy` still exclude each other.
 */
export const advisoryLockClass = {
  /** One outbox relay per database publishes (a session lock, objid 0). */
  outboxRelay: 1,
  /** One user's orders check and use the quota one at a time (objid: hashtext(user id)). */
  orderQuota: 2,
  /**
   * Reserved for an Idempotency-Key lock of its own. Keys are scoped to their user, so today
   * the user's quota lock serializes them and nothing takes this one.
   */
  idempotencyKey: 3,
} as const;

export type AdvisoryLockPurpose = keyof typeof advisoryLockClass;

/**
 * The same table for the SQL functions: `advisory_lock_class('orderQuota')`. Applied as a
 * repeatable migration to every service database (packages/service's migrateDatabase), so SQL
 * and TypeScript read one definition. IMMUTABLE: with a constant argument the planner folds the
 * call to its value once per plan. An unknown purpose raises instead of returning NULL, which
 * the lock functions (STRICT) would take as "lock nothing".
 */
export const advisoryLockClassMigration = repeatableMigration(
  '@akaso/db/advisory_lock_class.sql',
  `CREATE OR REPLACE FUNCTION "advisory_lock_class"(p_purpose TEXT) RETURNS INTEGER
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  CASE p_purpose
${Object.entries(advisoryLockClass)
  .map(([purpose, id]) => `    WHEN '${purpose}' THEN RETURN ${id};`)
  .join('\n')}
    ELSE RAISE EXCEPTION 'no advisory lock class for %', p_purpose USING ERRCODE = '22023';
  END CASE;
END $$;
`,
);
