import type { OrderRequest } from '@akaso/contracts';

/**
 * The Christmas rush, one shape for every driver: the k6 script (christmas-rush.k6.js), our Node
 * driver (rush.ts) and the bench. An open model: requests ARRIVE at a rate that ramps up to the
 * peak and holds it, whether or not earlier requests have been answered; a slow server does not
 * slow the arrivals (it piles up in-flight requests instead, as real customers would).
 */
export interface Stage {
  /** Seconds this stage lasts. */
  durationS: number;
  /** Arrival rate (orders per second) reached at the end of the stage (linear ramp). */
  targetRps: number;
}

/** Ramp to the peak, hold it, then a short cool-down. */
export function christmasStages(
  peakRps: number,
  holdS: number,
  rampS = Math.max(1, Math.round(holdS / 3)),
): Stage[] {
  return [
    { durationS: rampS, targetRps: peakRps },
    { durationS: holdS, targetRps: peakRps },
    { durationS: Math.max(1, Math.round(rampS / 2)), targetRps: 0 },
  ];
}

/** Arrival rate at `t` seconds after the start (0 after the last stage). */
export function rateAt(stages: Stage[], t: number, startRps = 0): number {
  let from = startRps;
  let begin = 0;
  for (const stage of stages) {
    if (t < begin + stage.durationS) return from + ((stage.targetRps - from) * (t - begin)) / stage.durationS;
    begin += stage.durationS;
    from = stage.targetRps;
  }
  return 0;
}

export const totalDuration = (stages: Stage[]) => stages.reduce((s, x) => s + x.durationS, 0);

/**
 * The user mix: thousands of distinct users; most order one or two burgers, a few a big batch.
 * Every arrival picks a user at random, so users who come back often hit the 5-burger limit.
 */
export const quantityMix: [quantity: number, weight: number][] = [
  [1, 55],
  [2, 25],
  [3, 12],
  [4, 5],
  [5, 3],
];
export const burgers = ['classic', 'cheese', 'bacon', 'veggie', 'christmas'];
/** A small share of cards decline (Stripe's test card), so the rejection path runs under load. */
export const declineShare = 0.02;

/** Deterministic pseudo-random numbers (mulberry32), so a run can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeOrder(rand: () => number, runId: string, users: number): OrderRequest {
  const user = Math.floor(rand() * users);
  let pick = rand() * quantityMix.reduce((s, [, w]) => s + w, 0);
  let quantity = 1;
  for (const [q, w] of quantityMix) {
    if (pick < w) {
      quantity = q;
      break;
    }
    pick -= w;
  }
  const userId = `rush-${runId}-${user}`;
  return {
    userId,
    email: `${userId}@rush.test`,
    items: [{ burgerId: burgers[Math.floor(rand() * burgers.length)] ?? 'classic', quantity }],
    paymentMethod: rand() < declineShare ? 'pm_card_chargeDeclined' : 'pm_card_visa',
  };
}
