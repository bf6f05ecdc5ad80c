import { orderRef } from '@akaso/contracts';
import {
  confirmationPath,
  fetchTrace,
  type HopSegment,
  hopSegments,
  type TraceSpan,
} from '@akaso/observability';
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
  /** The order the charge span was made for (its `akaso.order_id`). */
  chargeOrderId: unknown;
  totalMs: number;
}

/**
 * The order's trace once Jaeger holds its whole path: every span from POST /orders down to the
 * confirmation mail, and the card charge on it. Each service sends its spans in its own batches
 * (about every second), so the mail can be in Jaeger before order-api's publish that caused it;
 * read then, the chain holds only the email spans and the lab would name the wrong hop.
 */
async function readTrace(orderId: string): Promise<TracedOrder | null> {
  const res = await fetch(`${labStack.api}/orders/${orderId}`);
  const { traceId } = (await res.json()) as { traceId: string | null };
  // Not sampled: more new orders a second than TRACES_MAX_PER_SECOND (someone else's rush).
  if (!traceId) return null;
  return until(
    `the trace of order ${orderId} in Jaeger, whole from POST /orders to the confirmation mail`,
    async () => {
      const spans = await fetchTrace(labStack.jaeger, traceId);
      if (!spans) throw new Error(`Jaeger does not know trace ${traceId} yet`);
      const path = confirmationPath(spans);
      // Thrown, not returned: `until` keeps polling and names what was still missing at the end.
      if (!path.complete) throw new Error(`trace ${traceId} lacks ${path.missing}`);
      const { chain, mail, charge } = path;
      const root = chain[0] as TraceSpan;
      return {
        orderId,
        traceId,
        segments: hopSegments(chain),
        chargeMs: charge.durationUs / 1000,
        chargeOrderId: charge.tags['akaso.order_id'],
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
      let untraced = 0;
      for (let i = 0; traced.length < ORDERS; i++) {
        const placed = await postOrder(labOrder(`lab13-${run}-${i}`));
        if (!placed.orderId) throw new Error(`POST /orders answered ${placed.status}`);
        slowestAnswer = Math.max(slowestAnswer, placed.ms);
        await waitTerminal(placed.orderId, 60_000);
        const t = await readTrace(placed.orderId);
        if (t) traced.push(t);
        else if (++untraced > 10) {
          throw new Error('no order traced: is tracing on (OTEL_SDK_DISABLED), or a rush using its budget?');
        } else log(`order ${orderRef(placed.orderId)} was not traced (the sampler's budget); another…`);
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

    report.check(
      'each trace holds its own card charge, on the path from POST /orders to the confirmation mail',
      traced.every((t) => t.chargeOrderId === t.orderId),
      traced.map((t) => `${orderRef(t.orderId)}: charge for ${orderRef(String(t.chargeOrderId))}`).join(', '),
    );
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
