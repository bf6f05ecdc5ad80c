import { describe, expect, it } from 'vitest';
import { addKafkaRequests, type Counters, costPerOrder, diff, perOrder } from './cost.ts';

describe('perOrder', () => {
  it('divides by the orders, scales, rounds to 1/100, largest first, without zeros', () => {
    expect(perOrder({ a: 1, b: 3, c: 0 }, 3, 1000)).toEqual({ b: 1000, a: 333.33 });
    expect(Object.keys(perOrder({ a: 1, b: 3 }, 3))).toEqual(['b', 'a']);
  });

  it('gives null for every count when there were no orders', () => {
    expect(perOrder({ a: 5 }, 0)).toEqual({ a: null });
  });
});

describe('diff', () => {
  it('takes what a counter gained; a counter new since the first read counts from 0', () => {
    expect(diff({ a: 10, b: 4 }, { a: 7 })).toEqual({ a: 3, b: 4 });
  });
});

describe('addKafkaRequests', () => {
  it("sums each API's requests over instances, ignoring other metrics", () => {
    const one = [
      '# TYPE akaso_kafka_requests_total counter',
      'akaso_kafka_requests_total{client="order-api",api="Produce"} 10',
      'akaso_kafka_requests_total{api="Fetch",client="x"} 4',
      'akaso_http_requests_total{route="/orders"} 99',
    ].join('\n');
    const two = 'akaso_kafka_requests_total{api="Produce"} 2.5\n';
    expect(addKafkaRequests(addKafkaRequests({}, one), two)).toEqual({ Produce: 12.5, Fetch: 4 });
  });
});

describe('costPerOrder', () => {
  const before: Counters = {
    cpu: { 'kafka-1': 10, postgres: 5, mailpit: 1 },
    pg: { order_api: 100, email: 50 },
    kafka: { Produce: 10 },
  };
  const after: Counters = {
    cpu: { 'kafka-1': 12, postgres: 6, mailpit: 1.5 },
    pg: { order_api: 400, email: 150 },
    kafka: { Produce: 110, Fetch: 50 },
  };

  it('splits the CPU into the pipeline and the third-party stand-ins, per order in ms', () => {
    const c = costPerOrder(before, after, 100);
    expect(c.cpuSeconds).toBe(3.5);
    expect(c.cpuMsPerOrder).toBe(35);
    expect(c.cpuMsPerOrderByProcess).toEqual({ 'kafka-1': 20, postgres: 10, mailpit: 5 });
    expect(c.cpuMsPerOrderSplit).toEqual({ pipeline: 30, thirdPartyStandIns: 5 });
  });

  it('counts transactions and Kafka requests per order, with their totals first', () => {
    const c = costPerOrder(before, after, 100);
    expect(c.pgTransactionsPerOrder).toEqual({ total: 4, order_api: 3, email: 1 });
    expect(Object.keys(c.pgTransactionsPerOrder)[0]).toBe('total');
    expect(c.kafkaRequestsPerOrder).toEqual({ total: 1.5, Produce: 1, Fetch: 0.5 });
  });

  it('has no per-order figures without orders', () => {
    const c = costPerOrder(before, after, 0);
    expect(c.cpuMsPerOrder).toBeNull();
    expect(c.pgTransactionsPerOrder.total).toBeNull();
  });
});
