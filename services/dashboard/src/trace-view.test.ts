import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isJaegerAnswer, type JaegerAnswer, toTraceView } from './trace-view.ts';

// A real answer of the local stack's Jaeger for one confirmed order (POST /orders with curl).
const recorded: unknown = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'jaeger-order-trace.json'), 'utf8'),
);
if (!isJaegerAnswer(recorded)) throw new Error('the recorded fixture is not a Jaeger answer');
const answer: JaegerAnswer = recorded;
const raw = answer.data?.[0];
if (!raw) throw new Error('the fixture holds no trace');

describe('toTraceView (a recorded Jaeger answer for one order)', () => {
  const view = toTraceView(answer);
  if (!view) throw new Error('no view');

  it('keeps every span, each once, and names the services in the order they join the trace', () => {
    expect(view.traceId).toBe(raw.traceID);
    expect(view.spans).toHaveLength(raw.spans.length);
    expect(new Set(view.spans.map((s) => s.spanId)).size).toBe(raw.spans.length);
    expect(view.services.map((s) => s.name)).toEqual(['order-api', 'inventory', 'payment', 'email']);
    expect(view.services.reduce((n, s) => n + s.spans, 0)).toBe(raw.spans.length);
  });

  it('starts at the POST /orders server span, offsets from it, and every child after its parent', () => {
    const root = view.spans[0];
    expect(root).toMatchObject({
      operation: 'POST /orders',
      kind: 'server',
      parentId: null,
      depth: 0,
      startUs: 0,
    });
    expect(root?.tags['http.route']).toBe('/orders');
    const index = new Map(view.spans.map((s, i) => [s.spanId, i]));
    for (const [i, s] of view.spans.entries()) {
      if (s.parentId === null) continue;
      const parentAt = index.get(s.parentId) ?? Number.NaN;
      expect(parentAt).toBeLessThan(i);
      expect(s.depth).toBe((view.spans[parentAt]?.depth ?? Number.NaN) + 1);
    }
    const end = Math.max(...raw.spans.map((s) => s.startTime + s.duration));
    const start = Math.min(...raw.spans.map((s) => s.startTime));
    expect(view.durationUs).toBe(end - start);
    expect(view.startedAt).toBe(new Date(start / 1000).toISOString());
  });

  it('finds each Kafka hop of the order (all four topics), producer to consumer, with partition, group and wait', () => {
    const hops = view.hops.map((h) => `${h.from.service} → ${h.topic} → ${h.to.service} (${h.to.group})`);
    expect(hops).toEqual(
      expect.arrayContaining([
        'order-api → orders → inventory (inventory)',
        'inventory → inventory → payment (payment)',
        'inventory → inventory → order-api (order-status)',
        'payment → payments → email (email)',
        'order-api → order-status → email (email)',
      ]),
    );
    for (const h of view.hops) {
      expect(h.partition).toMatch(/^\d+$/);
      const producer = view.spans.find((s) => s.spanId === h.from.spanId);
      const consumer = view.spans.find((s) => s.spanId === h.to.spanId);
      expect(producer?.kind).toBe('producer');
      expect(consumer?.kind).toBe('consumer');
      expect(h.waitUs).toBe((consumer?.startUs ?? 0) - (producer?.startUs ?? 0));
      expect(h.waitUs).toBeGreaterThan(0);
    }
  });

  it('a successful order has no error on any span', () => {
    expect(view.spans.filter((s) => s.error !== null)).toEqual([]);
  });
});

describe('toTraceView, edge cases', () => {
  const withSpans = (spans: NonNullable<JaegerAnswer['data']>[number]['spans']): JaegerAnswer => ({
    data: raw ? [{ ...raw, spans }] : null,
  });

  it('no trace (Jaeger has not received it yet) is null', () => {
    expect(toTraceView({ data: null })).toBeNull();
    expect(toTraceView({ data: [] })).toBeNull();
    expect(toTraceView(withSpans([]))).toBeNull();
  });

  it("reads a span's error from its status description, or the exception it recorded", () => {
    const [first, second, ...rest] = raw.spans;
    if (!first || !second) throw new Error('fixture too short');
    const view = toTraceView(
      withSpans([
        {
          ...first,
          tags: [
            ...first.tags,
            { key: 'otel.status_code', value: 'ERROR' },
            { key: 'otel.status_description', value: 'stock table locked' },
          ],
        },
        {
          ...second,
          tags: [...second.tags, { key: 'error', value: true }],
          logs: [
            {
              timestamp: second.startTime,
              fields: [{ key: 'exception.message', value: 'connection reset' }],
            },
          ],
        },
        ...rest,
      ]),
    );
    expect(view?.spans.find((s) => s.spanId === first.spanID)?.error).toBe('stock table locked');
    expect(view?.spans.find((s) => s.spanId === second.spanID)?.error).toBe('connection reset');
    const failing = view?.spans.filter((s) => s.error !== null).map((s) => s.service) ?? [];
    expect(failing).toHaveLength(2);
    for (const name of failing) {
      expect(view?.services.find((s) => s.name === name)?.errors).toBe(
        failing.filter((f) => f === name).length,
      );
    }
  });

  it('a span whose parent has not arrived yet becomes a root instead of disappearing', () => {
    const consumer = raw.spans.find((s) => s.operationName === 'process orders');
    if (!consumer) throw new Error('no consumer span in the fixture');
    const withoutProducer = raw.spans.filter((s) => s.operationName !== 'send orders');
    const view = toTraceView(withSpans(withoutProducer));
    expect(view?.spans).toHaveLength(withoutProducer.length);
    expect(view?.spans.find((s) => s.spanId === consumer.spanID)).toMatchObject({ parentId: null, depth: 0 });
    expect(view?.hops.some((h) => h.topic === 'orders')).toBe(false);
  });

  it('refuses an answer that is not Jaeger-shaped', () => {
    expect(isJaegerAnswer({ data: [{ traceID: 'x' }] })).toBe(false);
    expect(isJaegerAnswer('<html>')).toBe(false);
  });
});
