import { describe, expect, it } from 'vitest';
import {
  counterDelta,
  type FunnelCounts,
  funnelCounts,
  funnelPoint,
  pushPoint,
  zeroCounts,
} from './funnel.ts';
import { parsePrometheus } from './prometheus.ts';

const counts = (over: Partial<FunnelCounts>): FunnelCounts => ({ ...zeroCounts(), ...over });
const at = new Date('2026-12-24T12:00:00Z');

describe('the order funnel', () => {
  it("reads its counters from order-api's and the email service's metrics", () => {
    const orderApi = parsePrometheus(`akaso_orders_total{stage="accepted",mode="async",service="order-api"} 7
akaso_orders_total{stage="accepted",mode="sync",service="order-api"} 2
akaso_orders_total{stage="refused",mode="async",service="order-api"} 1
akaso_orders_total{stage="invalid",mode="async",service="order-api"} 4
akaso_orders_total{stage="confirmed",mode="async",service="order-api"} 6`);
    expect(funnelCounts(orderApi)).toEqual(counts({ placed: 9, refused: 1, confirmed: 6 }));
    const email = parsePrometheus(`akaso_emails_sent_total{kind="confirmation",service="email"} 6
akaso_emails_sent_total{kind="receipt",service="email"} 6
akaso_messages_handled_total{topic="payments",outcome="ok",service="email"} 13`);
    expect(funnelCounts(email)).toEqual(counts({ emailed: 6 })); // confirmations only
  });

  it('turns two scrapes into per-second rates, summed over instances', () => {
    const prev = new Map([
      ['order-api-1', counts({ placed: 100, confirmed: 90 })],
      ['order-api-2', counts({ placed: 50, confirmed: 40 })],
    ]);
    const curr = new Map([
      ['order-api-1', counts({ placed: 120, confirmed: 100, rejected: 2 })],
      ['order-api-2', counts({ placed: 60, confirmed: 50 })],
    ]);
    const point = funnelPoint(prev, curr, 2, at);
    expect(point.at).toBe(at.toISOString());
    expect(point.rates).toEqual({
      placed: 15,
      refused: 0,
      reserved: 0,
      confirmed: 10,
      rejected: 1,
      emailed: 0,
    });
  });

  it('treats a counter that went down as a restart, never a negative rate', () => {
    expect(counterDelta(500, 7)).toBe(7);
    expect(counterDelta(5, 7)).toBe(2);
    const point = funnelPoint(
      new Map([['order-api-1', counts({ placed: 500 })]]),
      new Map([['order-api-1', counts({ placed: 7 })]]),
      1,
      at,
    );
    expect(point.rates.placed).toBe(7);
  });

  it('ignores an instance it has no previous scrape of (no spike of its lifetime total)', () => {
    const point = funnelPoint(new Map(), new Map([['order-api-1', counts({ placed: 10_000 })]]), 1, at);
    expect(point.rates.placed).toBe(0);
  });

  it('keeps a bounded history', () => {
    let history = [funnelPoint(new Map(), new Map(), 1, at)];
    for (let i = 0; i < 10; i++) history = pushPoint(history, funnelPoint(new Map(), new Map(), 1, at), 5);
    expect(history).toHaveLength(5);
  });
});
