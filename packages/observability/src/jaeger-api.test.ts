import { describe, expect, it } from 'vitest';
import { ancestry, confirmationPath, hopSegments, isHop, rootedChain, type TraceSpan } from './jaeger-api.ts';

const span = (
  spanId: string,
  parentId: string | null,
  operation: string,
  startUs: number,
  service = 'x',
): TraceSpan => ({
  spanId,
  parentId,
  links: [],
  service,
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

describe('rootedChain', () => {
  it('is the chain when it reaches the root, null while a parent on it is missing', () => {
    const spans = [
      span('a', null, 'POST /orders', 0),
      span('c', 'a', 'send orders', 2),
      span('e', 'zz', 'smtp send', 4),
    ];
    expect(rootedChain(spans, spans[1] as TraceSpan)?.map((s) => s.spanId)).toEqual(['a', 'c']);
    expect(rootedChain(spans, spans[2] as TraceSpan)).toBeNull();
  });
});

/** One order's trace down to its mails, as the services make it (the lab's, payment slowed). */
function orderTrace(): TraceSpan[] {
  const ms = 1_000;
  const mail = (id: string, parent: string, at: number, kind: string) => ({
    ...span(id, parent, 'smtp send', at, 'email'),
    tags: { 'akaso.mail.kind': kind },
  });
  return [
    span('post', null, 'POST /orders', 0, 'order-api'),
    span('so', 'post', 'send orders', 20 * ms, 'order-api'),
    span('po', 'so', 'process orders', 40 * ms, 'inventory'),
    span('si', 'po', 'send inventory', 60 * ms, 'inventory'),
    span('pi', 'si', 'process inventory', 80 * ms, 'payment'),
    { ...span('charge', 'pi', 'payment provider charge', 85 * ms, 'payment'), durationUs: 1_500 * ms },
    span('sp', 'pi', 'send payments', 1_600 * ms, 'payment'),
    span('pp', 'sp', 'process payments', 1_620 * ms, 'order-api'),
    span('ep', 'sp', 'process payments', 1_625 * ms, 'email'),
    mail('receipt', 'ep', 1_630 * ms, 'receipt'),
    span('sos', 'pp', 'send order-status', 1_640 * ms, 'order-api'),
    span('pos', 'sos', 'process order-status', 1_660 * ms, 'email'),
    { ...mail('confirmation', 'pos', 1_665 * ms, 'confirmation'), durationUs: 8 * ms },
  ];
}

describe('confirmationPath', () => {
  it('gives the chain from POST /orders to the confirmation mail and the charge on it', () => {
    const path = confirmationPath(orderTrace());
    expect(path.complete).toBe(true);
    if (!path.complete) return;
    expect(path.chain.map((s) => s.spanId)).toEqual([
      'post',
      'so',
      'po',
      'si',
      'pi',
      'sp',
      'pp',
      'sos',
      'pos',
      'confirmation',
    ]);
    expect(path.mail.spanId).toBe('confirmation');
    expect(path.charge.spanId).toBe('charge');
  });

  // Spans arrive in each service's own batches: email's can be in Jaeger before order-api's
  // `send order-status`. Read then, the chain would hold only the email spans.
  it('is incomplete while a span between the mail and the root has not reached Jaeger', () => {
    const early = orderTrace().filter((s) => s.spanId !== 'sos');
    expect(confirmationPath(early)).toEqual({
      complete: false,
      missing:
        'the parent of email process order-status: the chain from the mail up to POST /orders is not whole yet',
    });
  });

  it('is incomplete before the confirmation mail, and without a charge on the chain', () => {
    expect(confirmationPath(orderTrace().filter((s) => s.spanId !== 'confirmation')).complete).toBe(false);
    const noCharge = confirmationPath(orderTrace().filter((s) => s.spanId !== 'charge'));
    expect(noCharge.complete).toBe(false);
    if (!noCharge.complete)
      expect(noCharge.missing).toMatch(/^a card charge on the chain order-api POST \/orders/);
  });

  it('does not take the receipt mail for the confirmation', () => {
    const receiptOnly = orderTrace().filter((s) => s.spanId !== 'confirmation');
    const path = confirmationPath(receiptOnly);
    expect(path).toEqual({ complete: false, missing: 'the confirmation mail (smtp send)' });
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
    expect(hopSegments(ancestry(spans, spans[4] as TraceSpan))).toEqual([
      { hop: 'x POST /orders', ms: 5 },
      { hop: 'x send orders', ms: 40 },
      { hop: 'x process orders', ms: 5 },
      { hop: 'x smtp send', ms: 3 },
    ]);
  });

  it('puts the slowed charge in payment’s hop along the whole path', () => {
    const path = confirmationPath(orderTrace());
    if (!path.complete) throw new Error(path.missing);
    const longest = hopSegments(path.chain).reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(longest).toEqual({ hop: 'payment process inventory', ms: 1_520 });
  });
});
