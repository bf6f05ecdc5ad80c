import { describe, expect, it } from 'vitest';
import { christmasStages, makeOrder, random, rateAt, totalDuration } from './scenario.ts';

describe('the rush scenario', () => {
  it('ramps linearly to the peak, holds it, and cools down', () => {
    const stages = christmasStages(300, 30, 10);
    expect(totalDuration(stages)).toBe(45);
    expect(rateAt(stages, 0)).toBe(0);
    expect(rateAt(stages, 5)).toBe(150);
    expect(rateAt(stages, 20)).toBe(300);
    expect(rateAt(stages, 42.5)).toBe(150);
    expect(rateAt(stages, 46)).toBe(0);
  });

  it('draws a reproducible mix of users and quantities', () => {
    const a = Array.from(
      { length: 2_000 },
      (
        (r) => () =>
          makeOrder(r, 'x', 500)
      )(random(7)),
    );
    const b = Array.from(
      { length: 2_000 },
      (
        (r) => () =>
          makeOrder(r, 'x', 500)
      )(random(7)),
    );
    expect(a).toEqual(b);
    const ones = a.filter((o) => o.items[0]?.quantity === 1).length / a.length;
    expect(ones).toBeGreaterThan(0.5);
    expect(ones).toBeLessThan(0.6);
    expect(new Set(a.map((o) => o.userId)).size).toBeGreaterThan(450);
    expect(a.some((o) => o.paymentMethod === 'pm_card_chargeDeclined')).toBe(true);
  });
});
