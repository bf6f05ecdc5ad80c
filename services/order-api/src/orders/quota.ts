import type pg from 'pg';
import type { Clock } from '../clock.ts';

/**
 * The 5-burgers-per-24h rule is decided in ONE place: the SQL function quota_state
 * (services/order-api/sql/functions/quota_state.sql), which place_order calls under the user's
 * lock. This file only carries its answer to the API; the property tests run against
 * the SQL (test/quota.int.test.ts).
 */
export interface QuotaPolicy {
  limit: number;
  windowMs: number;
}

/** quota_state's answer (timestamps already in ISO form). */
export interface QuotaState {
  limit: number;
  used: number;
  remaining: number;
  requested: number;
  allowed: boolean;
  windowHours: number;
  /** When the oldest counted burger leaves the window (null: nothing counted). */
  nextFreeAt: string | null;
  /** When `requested` burgers fit if nothing else is ordered (null: never, by waiting alone). */
  availableAt: string | null;
}

/** What GET /users/:id/quota and an accepted order show. */
export interface QuotaView {
  limit: number;
  used: number;
  remaining: number;
  windowHours: number;
  nextFreeAt: string | null;
}

export async function quotaState(
  db: pg.Pool | pg.ClientBase,
  userId: string,
  now: Date,
  policy: QuotaPolicy,
  requested = 1,
): Promise<QuotaState> {
  const { rows } = await db.query<{ q: QuotaState }>(
    'select quota_state($1, $2::timestamptz, $3, $4, $5) as q',
    [userId, now.toISOString(), policy.limit, policy.windowMs, requested],
  );
  const state = rows[0]?.q;
  if (!state) throw new Error('quota_state returned nothing');
  return state;
}

export async function quotaView(
  db: pg.Pool | pg.ClientBase,
  clock: Clock,
  userId: string,
  policy: QuotaPolicy,
): Promise<QuotaView> {
  const { limit, used, remaining, windowHours, nextFreeAt } = await quotaState(
    db,
    userId,
    clock.now(),
    policy,
  );
  return { limit, used, remaining, windowHours, nextFreeAt };
}
