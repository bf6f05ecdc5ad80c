import { randomUUID } from 'node:crypto';
import { uniqueUser } from '@akaso/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callPlaceOrder } from '../src/orders/order-writer.ts';
import { quotaState } from '../src/orders/quota.ts';
import {
  arg,
  H,
  type Live,
  live,
  policy,
  rolledBack,
  scratchClient,
  t0,
  useScratchDatabase,
} from './fixtures.ts';

/**
 * The 5-burgers-per-24h rule, tested where it is decided: the SQL functions place_order and
 * quota_state, on the real PostgreSQL, in a scratch database migrated by the service's own
 * migrations. One connection; every generated history runs in a transaction that is rolled
 * back, so runs cannot see each other.
 */
useScratchDatabase();

/** The guarantee: no half-open window [s, s + 24 h) holds more than the limit (worst case: s at an order). */
function worstWindow(orders: Live[]): number {
  return Math.max(
    0,
    ...orders.map((start) =>
      orders
        .filter((o) => o.at >= start.at && o.at < start.at + policy.windowMs)
        .reduce((n, o) => n + o.burgers, 0),
    ),
  );
}

/** One of the user's counted orders is rejected, as inventory or payment would. */
async function rejectOne(userId: string, pick: number): Promise<void> {
  const all = await live(userId);
  const victim = all[pick % Math.max(1, all.length)];
  if (victim) await scratchClient().query(`update orders set status = 'rejected' where id = $1`, [victim.id]);
}

type Op = { kind: 'order'; time: number; burgers: number } | { kind: 'reject'; pick: number };
const ops = (time: fc.Arbitrary<number>) =>
  fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('order' as const),
          time,
          burgers: fc.integer({ min: 1, max: 6 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
    ),
    { maxLength: 20 },
  );

describe('the quota rule in SQL (place_order, quota_state)', () => {
  it('property: with a forward clock, the decision is the rule, its explanation agrees, and rejected orders stop counting', async () => {
    // Times as gaps between requests: a clock that only moves forward, as in production.
    const forward = fc.integer({ min: 0, max: 12 * H });
    await fc.assert(
      fc.asyncProperty(ops(forward), async (history: Op[]) => {
        const userId = uniqueUser('prop');
        await rolledBack(async () => {
          let now = t0;
          for (const op of history) {
            if (op.kind === 'reject') {
              await rejectOne(userId, op.pick);
              continue;
            }
            const before = await live(userId);
            now += op.time;
            // The rule as the README states it: burgers of non-rejected orders in the last 24 h.
            const used = before
              .filter((o) => o.at > now - policy.windowMs)
              .reduce((n, o) => n + o.burgers, 0);
            const fits = op.burgers <= policy.limit - used;
            const result = await callPlaceOrder(scratchClient(), arg(userId, op.burgers, now));
            expect(result.outcome).toBe(fits ? 'accepted' : 'quota_exceeded');
            if (result.outcome === 'accepted') {
              expect(result.body.quota).toMatchObject({
                used: used + op.burgers,
                remaining: policy.limit - used - op.burgers,
              });
            } else if (result.outcome === 'quota_exceeded') {
              const q = result.quota;
              expect(q).toMatchObject({
                used,
                remaining: Math.max(0, policy.limit - used),
                requested: op.burgers,
                allowed: false,
              });
              const oldest = before.find((o) => o.at > now - policy.windowMs);
              expect(q.nextFreeAt).toBe(oldest ? new Date(oldest.at + policy.windowMs).toISOString() : null);
              if (op.burgers > policy.limit) expect(q.availableAt).toBeNull();
              else {
                // availableAt is exactly when the request fits, if nothing else is ordered.
                const at = Date.parse(q.availableAt ?? 'missing');
                expect(
                  (await quotaState(scratchClient(), userId, new Date(at), policy, op.burgers)).allowed,
                ).toBe(true);
                expect(
                  (await quotaState(scratchClient(), userId, new Date(at - 1), policy, op.burgers)).allowed,
                ).toBe(false);
              }
            }
            expect(worstWindow(await live(userId))).toBeLessThanOrEqual(policy.limit);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: with clocks in any order (instances that disagree), no 24 h window ever holds more than 5', async () => {
    const anyTime = fc.integer({ min: 0, max: 72 * H }).map((ms) => t0 + ms);
    await fc.assert(
      fc.asyncProperty(ops(anyTime), async (history: Op[]) => {
        const userId = uniqueUser('skew');
        await rolledBack(async () => {
          for (const op of history) {
            if (op.kind === 'reject') {
              await rejectOne(userId, op.pick);
              continue;
            }
            const result = await callPlaceOrder(scratchClient(), arg(userId, op.burgers, op.time));
            // The explanation agrees with the decision.
            if (result.outcome === 'quota_exceeded') {
              expect(result.quota.used + op.burgers).toBeGreaterThan(policy.limit);
            } else {
              expect(result.outcome).toBe('accepted');
            }
            expect(worstWindow(await live(userId))).toBeLessThanOrEqual(policy.limit);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('writes the OrderPlaced outbox row with the order, and none when refused', async () => {
    const userId = uniqueUser('outbox');
    await rolledBack(async () => {
      const eventId = randomUUID();
      const row = {
        eventId,
        topic: 'orders',
        key: userId,
        payload: '{"a":1}',
        headers: { 'x-event-type': 'OrderPlaced' },
      };
      expect((await callPlaceOrder(scratchClient(), arg(userId, 5, t0, { outbox: row }))).outcome).toBe(
        'accepted',
      );
      const refused = arg(userId, 1, t0 + H, { outbox: { ...row, eventId: randomUUID() } });
      expect((await callPlaceOrder(scratchClient(), refused)).outcome).toBe('quota_exceeded');
      const { rows } = await scratchClient().query(
        `select event_id, key, payload, headers from outbox where key = $1`,
        [userId],
      );
      expect(rows).toEqual([{ event_id: eventId, key: userId, payload: { a: 1 }, headers: row.headers }]);
    });
  });
});
