/**
 * The rule: at most `limit` burgers per user in any rolling window (24 h). Orders that were
 * rejected no longer count (the caller leaves them out). Pure, so it is tested with a fake clock;
 * the database transaction around it (orders/order-service.ts) makes it atomic.
 */
export interface CountedOrder {
  burgers: number;
  createdAt: Date;
}

export interface QuotaPolicy {
  limit: number;
  windowMs: number;
}

export interface QuotaState {
  limit: number;
  used: number;
  remaining: number;
  allowed: boolean;
  /** When the oldest counted burger leaves the window (null: nothing counted). */
  nextFreeAt: Date | null;
  /** When `requested` burgers would fit (now if allowed; null if never: more than the limit). */
  availableAt: Date | null;
}

export function evaluateQuota(
  orders: CountedOrder[],
  requested: number,
  now: Date,
  policy: QuotaPolicy,
): QuotaState {
  const windowStart = now.getTime() - policy.windowMs;
  const live = orders
    .filter((o) => o.createdAt.getTime() > windowStart)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const used = live.reduce((sum, o) => sum + o.burgers, 0);
  const remaining = Math.max(0, policy.limit - used);
  const allowed = requested >= 1 && requested <= remaining;
  const nextFreeAt = live[0] ? new Date(live[0].createdAt.getTime() + policy.windowMs) : null;
  let availableAt: Date | null = null;
  if (allowed) availableAt = now;
  else if (requested <= policy.limit) {
    let stillUsed = used;
    for (const o of live) {
      stillUsed -= o.burgers;
      if (policy.limit - stillUsed >= requested) {
        availableAt = new Date(o.createdAt.getTime() + policy.windowMs);
        break;
      }
    }
  }
  return { limit: policy.limit, used, remaining, allowed, nextFreeAt, availableAt };
}
