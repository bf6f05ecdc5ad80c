import { describe, expect, it } from 'vitest';
import { parsePrometheus, sumSamples } from './prometheus.ts';

const text = `# HELP akaso_orders_total Orders by stage
# TYPE akaso_orders_total counter
akaso_orders_total{stage="accepted",mode="async",service="order-api"} 12
akaso_orders_total{stage="accepted",mode="sync",service="order-api"} 3
akaso_orders_total{stage="confirmed",mode="async",service="order-api"} 10
# TYPE akaso_outbox_backlog gauge
akaso_outbox_backlog{service="order-api"} 0
process_start_time_seconds 1764072000
akaso_handler_duration_seconds_bucket{le="+Inf",topic="orders",service="inventory"} 7
weird_label{msg="a \\"quoted\\" value, with a comma",x="1"} 2.5e1
not a sample line
broken_value{a="b"} NaN
`;

describe('parsePrometheus', () => {
  const samples = parsePrometheus(text);

  it('reads names, labels and values, skipping comments and junk', () => {
    expect(samples).toContainEqual({
      name: 'akaso_orders_total',
      labels: { stage: 'accepted', mode: 'async', service: 'order-api' },
      value: 12,
    });
    expect(samples).toContainEqual({ name: 'process_start_time_seconds', labels: {}, value: 1764072000 });
    expect(samples.some((s) => s.name === 'not')).toBe(false);
    expect(samples.some((s) => s.name === 'broken_value')).toBe(false);
  });

  it('handles escaped quotes and commas inside label values, +Inf and exponents', () => {
    expect(samples).toContainEqual({
      name: 'weird_label',
      labels: { msg: 'a "quoted" value, with a comma', x: '1' },
      value: 25,
    });
    const bucket = samples.find((s) => s.name === 'akaso_handler_duration_seconds_bucket');
    expect(bucket?.labels.le).toBe('+Inf');
  });

  it('sums a metric across label sets, optionally filtered', () => {
    expect(sumSamples(samples, 'akaso_orders_total', { stage: 'accepted' })).toBe(15);
    expect(sumSamples(samples, 'akaso_orders_total', { stage: 'accepted', mode: 'sync' })).toBe(3);
    expect(sumSamples(samples, 'akaso_orders_total')).toBe(25);
    expect(sumSamples(samples, 'akaso_orders_total', { stage: 'rejected' })).toBe(0);
  });
});
