import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CountedOrder, evaluateQuota } from './quota.ts';

const H = 3_600_000;
const policy = { limit: 5, windowMs: 24 * H };
const now = new Date('2026-12-24T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('evaluateQuota (fake clock)', () => {
  it('counts only the last 24 hours', () => {
    const orders = [
      { burgers: 3, createdAt: ago(25 * H) },
      { burgers: 2, createdAt: ago(24 * H) }, // exactly 24 h old: out of the window
      { burgers: 2, createdAt: ago(23 * H) },
    ];
    expect(evaluateQuota(orders, 3, now, policy)).toMatchObject({ used: 2, remaining: 3, allowed: true });
    expect(evaluateQuota(orders, 4, now, policy)).toMatchObject({ used: 2, remaining: 3, allowed: false });
  });

  it('says when the next burger frees up and when the request would fit', () => {
    const orders = [
      { burgers: 2, createdAt: ago(20 * H) },
      { burgers: 1, createdAt: ago(10 * H) },
      { burgers: 2, createdAt: ago(1 * H) },
    ];
    const state = evaluateQuota(orders, 3, now, policy);
    expect(state).toMatchObject({ used: 5, remaining: 0, allowed: false });
    expect(state.nextFreeAt).toEqual(new Date(ago(20 * H).getTime() + 24 * H));
    // 3 burgers fit once the 2 (20 h ago) and the 1 (10 h ago) have left the window.
    expect(state.availableAt).toEqual(new Date(ago(10 * H).getTime() + 24 * H));
  });

  it('never allows more than the limit in one order', () => {
    const state = evaluateQuota([], 6, now, policy);
    expect(state).toMatchObject({ allowed: false, remaining: 5, availableAt: null, nextFreeAt: null });
  });

  const orderArb = fc.record({
    burgers: fc.integer({ min: 1, max: 5 }),
    createdAt: fc.integer({ min: 0, max: 48 * H }).map((ms) => ago(ms)),
  });

  it('property: accepting only what it allows never puts more than 5 burgers in any 24 h window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ burgers: fc.integer({ min: 1, max: 6 }), gap: fc.integer({ min: 0, max: 12 * H }) }),
          { maxLength: 40 },
        ),
        (requests) => {
          const accepted: CountedOrder[] = [];
          let t = now.getTime();
          for (const r of requests) {
            t += r.gap;
            const at = new Date(t);
            if (evaluateQuota(accepted, r.burgers, at, policy).allowed)
              accepted.push({ burgers: r.burgers, createdAt: at });
          }
          // Check every window that ends at an accepted order (the worst cases).
          for (const end of accepted) {
            const inWindow = accepted.filter(
              (o) =>
                o.createdAt.getTime() <= end.createdAt.getTime() &&
                o.createdAt.getTime() > end.createdAt.getTime() - policy.windowMs,
            );
            expect(inWindow.reduce((n, o) => n + o.burgers, 0)).toBeLessThanOrEqual(policy.limit);
          }
        },
      ),
    );
  });

  it('property: used + remaining = limit while under it, and availableAt is when the request really fits', () => {
    fc.assert(
      fc.property(
        fc.array(orderArb, { maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        (orders, requested) => {
          const state = evaluateQuota(orders, requested, now, policy);
          if (state.used <= policy.limit) expect(state.used + state.remaining).toBe(policy.limit);
          if (!state.allowed && state.availableAt) {
            expect(evaluateQuota(orders, requested, state.availableAt, policy).allowed).toBe(true);
            expect(
              evaluateQuota(orders, requested, new Date(state.availableAt.getTime() - 1), policy).allowed,
            ).toBe(false);
          }
        },
      ),
    );
  });
});
