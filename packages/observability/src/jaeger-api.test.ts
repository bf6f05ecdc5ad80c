import { describe, expect, it } from 'vitest';
import { ancestry, hopSegments, isHop, type TraceSpan } from './jaeger-api.ts';

const span = (spanId: string, parentId: string | null, operation: string, startUs: number): TraceSpan => ({
  spanId,
  parentId,
  service: 'x',
  operation,
  startUs,
  durationUs: 1,
  tags: {},
});

describe('ancestry', () => {
  const spans = [
    span('a', null, 'POST /orders', 0),
    span('b', 'a', 'pg.query:SELECT order_api', 1),
    span('c', 'a', 'send orders', 2),
    span('d', 'c', 'process orders', 3),
    span('e', 'zz', 'process payments', 4),
  ];

  it('walks CHILD_OF parents up to the root, root first', () => {
    expect(ancestry(spans, spans[3] as TraceSpan).map((s) => s.spanId)).toEqual(['a', 'c', 'd']);
  });

  it('stops at a parent the trace does not hold (not exported yet)', () => {
    expect(ancestry(spans, spans[4] as TraceSpan).map((s) => s.spanId)).toEqual(['e']);
  });

  it('counts messaging, provider and entry spans as hops, database calls not', () => {
    expect(spans.filter(isHop).map((s) => s.spanId)).toEqual(['a', 'c', 'd', 'e']);
  });
});

describe('hopSegments', () => {
  it('gives each hop on the chain the time until the next hop started, the last its own duration', () => {
    const spans = [
      span('a', null, 'POST /orders', 0),
      span('b', 'a', 'pg.query:SELECT order_api', 1_000),
      span('c', 'a', 'send orders', 5_000),
      span('d', 'c', 'process orders', 45_000),
      { ...span('e', 'd', 'smtp send', 50_000), durationUs: 3_000 },
    ];
    expect(hopSegments(spans, spans[4] as TraceSpan)).toEqual([
      { hop: 'x POST /orders', ms: 5 },
      { hop: 'x send orders', ms: 40 },
      { hop: 'x process orders', ms: 5 },
      { hop: 'x smtp send', ms: 3 },
    ]);
  });
});
