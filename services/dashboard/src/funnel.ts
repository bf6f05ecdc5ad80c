import { type Sample, sumSamples } from './prometheus.ts';

/**
 * The order funnel's stages: order-api's akaso_orders_total{stage} (placed = accepted by
 * POST /orders, refused by the 5-burger rule, then reserved, confirmed, rejected) and the email
 * service's akaso_emails_sent_total{kind="confirmation"} (confirmations the SMTP server accepted).
 */
export const funnelStages = ['placed', 'refused', 'reserved', 'confirmed', 'rejected', 'emailed'] as const;
export type FunnelStage = (typeof funnelStages)[number];
export type FunnelCounts = Record<FunnelStage, number>;

const orderStageLabels: Record<Exclude<FunnelStage, 'emailed'>, string> = {
  placed: 'accepted',
  refused: 'refused',
  reserved: 'reserved',
  confirmed: 'confirmed',
  rejected: 'rejected',
};

/** The funnel's counters in one scrape of one service instance (0 for what it does not count). */
export function funnelCounts(samples: Sample[]): FunnelCounts {
  const counts = zeroCounts();
  for (const [stage, label] of Object.entries(orderStageLabels) as [FunnelStage, string][]) {
    counts[stage] = sumSamples(samples, 'akaso_orders_total', { stage: label });
  }
  // Confirmation emails, one per confirmed order: the two lines should meet.
  counts.emailed = sumSamples(samples, 'akaso_emails_sent_total', { kind: 'confirmation' });
  return counts;
}

export interface FunnelPoint {
  at: string;
  /** Per second, over the interval since the previous point. */
  rates: FunnelCounts;
}

export const zeroCounts = (): FunnelCounts => ({
  placed: 0,
  refused: 0,
  reserved: 0,
  confirmed: 0,
  rejected: 0,
  emailed: 0,
});

/**
 * How much a counter grew between two scrapes of the same process. A counter that went down was
 * reset (the process restarted): everything it counts now happened since, so the delta is its
 * current value.
 */
export const counterDelta = (prev: number, curr: number) => (curr >= prev ? curr - prev : curr);

/**
 * One point of the funnel chart: the per-second rate of each stage, from two scrapes of every
 * target (service instance). Deltas are taken per target and then summed, so one instance
 * restarting does not make the total go negative. A target missing from the previous scrape
 * contributes nothing this time (its history is unknown), rather than a spike of its lifetime total.
 */
export function funnelPoint(
  prev: Map<string, FunnelCounts>,
  curr: Map<string, FunnelCounts>,
  seconds: number,
  at: Date,
): FunnelPoint {
  const rates = zeroCounts();
  if (seconds > 0) {
    for (const [target, counts] of curr) {
      const before = prev.get(target);
      if (!before) continue;
      for (const stage of funnelStages) rates[stage] += counterDelta(before[stage], counts[stage]) / seconds;
    }
  }
  return { at: at.toISOString(), rates };
}

/** Adds a point to the history, keeping the most recent `keep`. */
export function pushPoint(history: FunnelPoint[], point: FunnelPoint, keep: number): FunnelPoint[] {
  const next = [...history, point];
  return next.length > keep ? next.slice(next.length - keep) : next;
}
