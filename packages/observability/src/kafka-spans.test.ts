import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TracedDelivery, traceBatch, traceHeaders, tracePublish } from './kafka-spans.ts';
import { installTracing } from './sdk.ts';
import { withClientSpan } from './spans.ts';
import { markTracingStarted, shutdownTracing } from './state.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
let sdk: ReturnType<typeof installTracing>;
/** The ended spans, once the processor (which exports asynchronously) handed them over. */
const finished = async () => {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
};

beforeAll(() => {
  sdk = installTracing({ spanProcessors: [processor], instrumentations: [] });
  markTracingStarted();
});
afterAll(async () => {
  await shutdownTracing();
  await sdk.shutdown();
});
beforeEach(() => exporter.reset());

const traceparent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;
const delivery = (
  orderId: string,
  headers: Record<string, string>,
  offset = '1',
  over: { topic?: string; occurredAt?: string } = {},
): TracedDelivery => ({
  topic: over.topic ?? 'orders',
  partition: 0,
  offset,
  key: 'user-1',
  headers,
  event: {
    eventId: `e-${orderId}-${offset}`,
    orderId,
    occurredAt: over.occurredAt ?? '2026-12-24T10:00:00.000Z',
  },
});
const T1 = '11111111111111111111111111111111';
const T2 = '22222222222222222222222222222222';
const traceIdOf = (headers: Record<string, string>) => headers.traceparent?.split('-')[1];

describe('traceBatch', () => {
  it('continues the one delivery of a call: its outgoing events carry the consumer span', async () => {
    const out = await traceBatch(
      'inventory',
      [delivery('o1', { traceparent: traceparent(T1, 'a'.repeat(16)) })],
      async () => traceHeaders('o1'),
    );
    const [span] = await finished();
    expect(span?.name).toBe('process orders');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe(T1);
    expect(span?.parentSpanContext?.spanId).toBe('a'.repeat(16));
    expect(span?.links).toEqual([]);
    expect(out.traceparent).toBe(traceparent(T1, span?.spanContext().spanId ?? ''));
  });

  it('links a batch span to every message and keeps each order in its own trace', async () => {
    const headers = await traceBatch(
      'inventory',
      [
        delivery('o1', { traceparent: traceparent(T1, 'a'.repeat(16)) }),
        delivery('o2', { traceparent: traceparent(T2, 'b'.repeat(16)) }, '2'),
        delivery('o3', {}, '3'),
      ],
      async () => ({ o1: traceHeaders('o1'), o2: traceHeaders('o2'), o3: traceHeaders('o3') }),
    );
    const spans = await finished();
    const batch = spans.find((s) => s.attributes['messaging.batch.message_count'] === 3);
    expect(batch?.parentSpanContext).toBeUndefined();
    expect(batch?.links.map((l) => l.context.traceId)).toEqual([T1, T2]);
    const perMessage = spans.filter((s) => s !== batch);
    expect(perMessage.map((s) => s.spanContext().traceId).sort()).toEqual([T1, T2]);
    expect(traceIdOf(headers.o1)).toBe(T1);
    expect(traceIdOf(headers.o2)).toBe(T2);
    // An order whose message carried no context stays untraced: it never joins the batch's trace.
    expect(headers.o3).toEqual({});
  });

  // order-api's projector: an order's StockReserved and PaymentSucceeded in one call, the
  // payment's partition first. The OrderConfirmed it writes must follow the payment, else the
  // order's trace runs from inventory straight to the confirmation and holds no payment hop.
  it("continues an order's newest message when the call holds two of the same order", async () => {
    const reserved = delivery('o1', { traceparent: traceparent(T1, 'a'.repeat(16)) }, '7', {
      topic: 'inventory',
      occurredAt: '2026-12-24T10:00:00.100Z',
    });
    const paid = delivery('o1', { traceparent: traceparent(T1, 'b'.repeat(16)) }, '3', {
      topic: 'payments',
      occurredAt: '2026-12-24T10:00:00.140Z',
    });
    for (const order of [
      [paid, reserved],
      [reserved, paid],
    ]) {
      exporter.reset();
      const out = await traceBatch('order-status', order, async () => traceHeaders('o1'));
      const spans = await finished();
      const payments = spans.find((s) => s.name === 'process payments');
      expect(payments?.parentSpanContext?.spanId).toBe('b'.repeat(16));
      expect(spans.some((s) => s.name === 'process inventory')).toBe(true);
      expect(out.traceparent).toBe(traceparent(T1, payments?.spanContext().spanId ?? ''));
    }
  });

  it('starts no trace for messages that carry none, or an unsampled one', async () => {
    const unsampled = `00-${T1}-${'a'.repeat(16)}-00`;
    await traceBatch('inventory', [delivery('o1', { traceparent: unsampled })], async () =>
      expect(traceHeaders('o1')).toEqual({}),
    );
    expect(await finished()).toEqual([]);
    const out = await traceBatch('inventory', [delivery('o1', {}), delivery('o2', {}, '2')], async () =>
      traceHeaders('o1'),
    );
    expect(out).toEqual({});
    expect(await finished()).toEqual([]);
  });

  it('marks every span of a failed call as an error and rethrows', async () => {
    await expect(
      traceBatch('payment', [delivery('o1', { traceparent: traceparent(T1, 'a'.repeat(16)) })], async () => {
        throw new Error('card provider down');
      }),
    ).rejects.toThrow('card provider down');
    expect((await finished())[0]?.status).toMatchObject({ code: 2, message: 'card provider down' });
  });
});

describe('withClientSpan', () => {
  it("puts a third party's call in its order's trace, and makes none for an untraced order", async () => {
    await traceBatch(
      'email',
      [delivery('o1', { traceparent: traceparent(T1, 'a'.repeat(16)) }), delivery('o2', {}, '2')],
      async () => {
        await withClientSpan('smtp send', {}, 'o1', async () => undefined);
        await withClientSpan('smtp send', {}, 'o2', async () => undefined);
      },
    );
    const smtp = (await finished()).filter((s) => s.name === 'smtp send');
    expect(smtp.map((s) => s.spanContext().traceId)).toEqual([T1]);
  });
});

describe('tracePublish', () => {
  it("replaces each row's traceparent with its send span, a child of the stored context", async () => {
    const rows = [
      {
        topic: 'orders',
        key: 'u1',
        headers: { traceparent: traceparent(T1, 'c'.repeat(16)) } as Record<string, string>,
      },
      { topic: 'orders', key: 'u2', headers: {} as Record<string, string> },
    ];
    await tracePublish(rows, async () => undefined);
    const spans = await finished();
    const [send] = spans;
    expect(spans).toHaveLength(1);
    expect(send?.name).toBe('send orders');
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe('c'.repeat(16));
    expect(rows[0]?.headers.traceparent).toBe(traceparent(T1, send?.spanContext().spanId ?? ''));
    expect(rows[1]?.headers).toEqual({});
  });
});

describe('traceHeaders', () => {
  it('is empty outside any trace', () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(traceHeaders('o1')).toEqual({});
  });
});
