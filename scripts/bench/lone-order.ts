/**
 * A lone order on a quiet stack: orders placed one at a time, each after the previous one is
 * confirmed, so no batching or tick can hide behind load. What a customer waits at low traffic,
 * and the figure that shows whether the pipeline handles an idle order at once.
 */
import { apiUrl } from '@akaso/stack-client';
import { readSse } from '@akaso/testkit';

/** How the time is measured, written beside the figures. */
export const loneOrderMethod =
  "received → confirmed from the order's own status history (GET /orders/:id, the database's timestamps); each order placed once the previous one's event stream said confirmed and the pipeline then had a second to itself";

/**
 * The pause after each lone order. Its confirmation is not the end of its traffic (the mails, the
 * stock's confirmation): the next order placed at once would meet consumers still in a stream,
 * ticking, and measure a slow trickle, not a lone order. A second is several consumer ticks.
 */
export const LONE_ORDER_GAP_MS = 1_000;

export interface LoneOrderFigures {
  method: string;
  orders: number;
  confirmed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Each confirmed order's time, in the order placed. */
  samplesMs: number[];
}

/** The p-th percentile of sorted samples (the smallest value with at least p% at or below it). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

interface History {
  history: { status: string; at: string }[];
}

/** received → confirmed in one order's status history; null unless it has both. */
export function receivedToConfirmedMs(view: History): number | null {
  const at = (status: string) => view.history.find((h) => h.status === status)?.at;
  const received = at('received');
  const confirmed = at('confirmed');
  return received && confirmed ? Date.parse(confirmed) - Date.parse(received) : null;
}

export function summarize(orders: number, samplesMs: number[]): LoneOrderFigures {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    method: loneOrderMethod,
    orders,
    confirmed: samplesMs.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? null,
    samplesMs,
  };
}

/**
 * Places `count` orders one at a time. The users' addresses are the run's
 * (rush-<runId>-N@rush.test), so the run's mail removal takes their mails too.
 */
export async function measureLoneOrders(count: number, runId: string): Promise<LoneOrderFigures> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `lone-${runId}-${i}`;
    const res = await fetch(`${apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId,
        email: `rush-${runId}-${i}@rush.test`,
        items: [{ burgerId: 'classic', quantity: 1 }],
        paymentMethod: 'pm_card_visa',
      }),
    });
    const { orderId } = (await res.json()) as { orderId?: string };
    if (res.status !== 202 || !orderId)
      throw new Error(`lone order ${i + 1}: POST /orders answered ${res.status}`);
    // The stream ends at a terminal status; the gap lets the order's last events go by.
    await readSse(`/orders/${orderId}/events`, 30_000);
    await new Promise((r) => setTimeout(r, LONE_ORDER_GAP_MS));
    const view = (await (await fetch(`${apiUrl}/orders/${orderId}`)).json()) as History;
    const ms = receivedToConfirmedMs(view);
    if (ms !== null) samples.push(ms);
  }
  return summarize(count, samples);
}
