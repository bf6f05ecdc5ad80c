import { api, eventually, order, uniqueUser, waitForTerminal } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';
import { jaegerUrl } from '../../../scripts/stack/topology.ts';
import { ancestry, fetchTrace, isHop, type TraceSpan } from '../src/index.ts';

interface OrderWithTrace {
  status: string;
  traceId: string | null;
}

// The confirmation mail is the last hop: its chain from the root must run through every service.
const expectedHops = [
  ['order-api', 'POST /orders'],
  ['order-api', 'send orders'],
  ['inventory', 'process orders'],
  ['inventory', 'send inventory'],
  ['payment', 'process inventory'],
  ['payment', 'payment provider charge'],
];
const confirmationHops = [
  ['order-api', 'POST /orders'],
  ['order-api', 'send orders'],
  ['inventory', 'process orders'],
  ['inventory', 'send inventory'],
  ['payment', 'process inventory'],
  ['payment', 'send payments'],
  ['order-api', 'process payments'],
  ['order-api', 'send order-status'],
  ['email', 'process order-status'],
  ['email', 'smtp send'],
];

const hops = (chain: TraceSpan[]) => chain.filter(isHop).map((s) => [s.service, s.operation]);

describe('one order, one trace', () => {
  it('holds the spans of order-api, inventory, payment, the order-status projector and email, each hop the child of the one before', async () => {
    const placed = await api<{ orderId: string }>('/orders', {
      method: 'POST',
      body: order(uniqueUser('traced')),
    });
    expect(placed.status).toBe(202);
    await waitForTerminal(placed.body.orderId);
    const view = await api<OrderWithTrace>(`/orders/${placed.body.orderId}`);
    expect(view.body.status).toBe('confirmed');
    const traceId = view.body.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The correlation id the API answered with is the trace id: logs and events open the trace.
    expect(placed.headers.get('x-correlation-id')).toBe(traceId);

    // Spans leave each service in batches (about every second): wait until the last hop is in.
    const spans = await eventually(
      'the confirmation mail in the trace',
      async () => {
        const s = await fetchTrace(jaegerUrl, traceId ?? '');
        const mails = s?.filter((x) => x.service === 'email' && x.operation === 'smtp send') ?? [];
        return mails.length >= 2 && s?.some((x) => x.operation === 'send payments') ? s : null;
      },
      30_000,
    );

    const services = new Set(spans.map((s) => s.service));
    for (const service of ['order-api', 'inventory', 'payment', 'email']) expect(services).toContain(service);
    // The order-status projector is order-api's consumer: it consumed inventory's and payment's events.
    expect(spans.some((s) => s.service === 'order-api' && s.operation === 'process payments')).toBe(true);
    expect(spans.filter((s) => s.parentId === null).map((s) => s.operation)).toEqual(['POST /orders']);

    const confirmation = spans.find((s) => {
      if (s.operation !== 'smtp send') return false;
      return ancestry(spans, s).some((a) => a.operation === 'process order-status');
    });
    expect(confirmation, 'a mail sent for an order-status event').toBeDefined();
    const chain = ancestry(spans, confirmation as TraceSpan);
    expect(hops(chain)).toEqual(confirmationHops);
    // Causal order is also time order: each hop starts after its parent started.
    for (let i = 1; i < chain.length; i++) {
      expect((chain[i] as TraceSpan).startUs).toBeGreaterThanOrEqual((chain[i - 1] as TraceSpan).startUs);
    }

    // The card charge (the Stripe call inside it) hangs under payment's consumer span.
    const charge = spans.find((s) => s.operation === 'payment provider charge');
    expect(hops(ancestry(spans, charge as TraceSpan))).toEqual(expectedHops);
    expect(spans.some((s) => s.parentId === charge?.spanId && s.tags['http.request.method'] === 'POST')).toBe(
      true,
    );
    // Messaging semantic conventions on the consumer side.
    const consumed = spans.find((s) => s.service === 'payment' && s.operation === 'process inventory');
    expect(consumed?.tags).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'inventory',
      'messaging.consumer.group.name': 'payment',
      'akaso.order_id': placed.body.orderId,
    });
  });
});
