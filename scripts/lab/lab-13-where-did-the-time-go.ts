import { fetchTrace, type HopSegment, hopSegments, type TraceSpan } from '@akaso/observability';
import { type Lab, labId, labOrder, labStack, postOrder, until, waitTerminal } from './lab.ts';
import { restartService } from './stack-control.ts';

/** The slowed card provider: far above anything else an order meets on this machine. */
const PAYMENT_LATENCY_MS = 1_500;
const ORDERS = 4;

interface TracedOrder {
  orderId: string;
  traceId: string;
  segments: HopSegment[];
  chargeMs: number;
  totalMs: number;
}

/** The order's trace once it holds the confirmation mail (spans reach Jaeger in batches). */
async function readTrace(orderId: string): Promise<TracedOrder> {
  const res = await fetch(`${labStack.api}/orders/${orderId}`);
  const { traceId } = (await res.json()) as { traceId: string | null };
  if (!traceId) throw new Error(`order ${orderId} has no traceId: is tracing on (OTEL_SDK_DISABLED)?`);
  return until(
    `the trace of order ${orderId} in Jaeger, down to the confirmation mail`,
    async () => {
      const spans = await fetchTrace(labStack.jaeger, traceId);
      const mail = spans?.find(
        (s) =>
          s.operation === 'smtp send' &&
          spans.some((p) => p.spanId === s.parentId && p.operation === 'process order-status'),
      );
      const charge = spans?.find((s) => s.operation === 'payment provider charge');
      if (!spans || !mail || !charge) return null;
      const root = spans.find((s) => s.parentId === null) as TraceSpan;
      return {
        orderId,
        traceId,
        segments: hopSegments(spans, mail),
        chargeMs: charge.durationUs / 1000,
        totalMs: (mail.startUs + mail.durationUs - root.startUs) / 1000,
      };
    },
    60_000,
    500,
  );
}

/**
 * Slow the card provider down (payment restarted with PAYMENT_LATENCY_MS), place a few orders,
 * and read their traces back from Jaeger's HTTP API the way a person reads the waterfall: along
 * the chain that ends at the confirmation mail, which hop holds the time? The API answered in
 * milliseconds; the customer waited for the payment hop.
 */
export const lab: Lab = {
  id: 13,
  slug: 'where-did-the-time-go',
  title: 'Where did the time go?',
  minutes: 15,
  async verify(report, log) {
    log(`restarting payment-1 with PAYMENT_LATENCY_MS=${PAYMENT_LATENCY_MS} (a slow card provider)…`);
    await restartService('payment', 1, { PAYMENT_LATENCY_MS: String(PAYMENT_LATENCY_MS) });
    const traced: TracedOrder[] = [];
    try {
      const run = labId();
      // One at a time: orders placed together queue behind each other's slow charge (on a
      // partition, one message after the other), which shows as waiting before payment instead.
      let slowestAnswer = 0;
      for (let i = 0; i < ORDERS; i++) {
        const placed = await postOrder(labOrder(`lab13-${run}-${i}`));
        if (!placed.orderId) throw new Error(`POST /orders answered ${placed.status}`);
        slowestAnswer = Math.max(slowestAnswer, placed.ms);
        await waitTerminal(placed.orderId, 60_000);
        traced.push(await readTrace(placed.orderId));
      }
      report.figure('POST /orders answered in (ms, slowest)', Math.round(slowestAnswer));
    } finally {
      log('restarting payment-1 without the latency…');
      await restartService('payment', 1);
    }

    const example = traced[0] as TracedOrder;
    report.note(`one of them: ${labStack.jaeger}/trace/${example.traceId}`);
    for (const s of example.segments) report.figure(`  ${s.hop} (ms)`, Math.round(s.ms));
    report.figure('order placed → confirmation mail sent (ms)', Math.round(example.totalMs));

    const slowest = traced.map((t) => t.segments.reduce((a, b) => (b.ms > a.ms ? b : a)));
    report.check(
      `in every trace the longest hop is payment's (consume inventory → publish payments), ${ORDERS} orders`,
      slowest.every((s) => s.hop === 'payment process inventory'),
      slowest.map((s) => `${s.hop} ${Math.round(s.ms)} ms`).join('; '),
    );
    report.check(
      `inside it, the card provider's span lasts at least PAYMENT_LATENCY_MS (${PAYMENT_LATENCY_MS} ms)`,
      traced.every((t) => t.chargeMs >= PAYMENT_LATENCY_MS),
      traced.map((t) => `${Math.round(t.chargeMs)} ms`).join(', '),
    );
    const share = Math.min(...traced.map((t) => t.chargeMs / t.totalMs));
    report.figure('card provider share of the whole path (lowest)', `${Math.round(share * 100)}%`);
    report.check(
      'the card provider holds most of the time from order to confirmation mail',
      share > 0.5,
      `${Math.round(share * 100)}% at least`,
    );
  },
};
