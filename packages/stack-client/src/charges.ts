/**
 * The charge counter's record (its server is scripts/stack/charge-counter.ts, in front of
 * stripe-mock): every call that reached the card provider, and what counts as a charge on the
 * customer's card. The audit and the tests read it here.
 */

/** What the provider's answer means for the customer's card. */
export type ChargeOutcome =
  | 'succeeded'
  | 'declined'
  | 'refused'
  | 'error'
  /** The provider could not be reached: nothing was charged. */
  | 'unreachable'
  /** The request reached the provider but its answer was lost: it may have charged. */
  | 'lost';

export interface ChargeCall {
  at: string;
  /** The Idempotency-Key header, or null when the call carried none (every such call is a charge). */
  key: string | null;
  orderId: string | null;
  outcome: ChargeOutcome;
  httpStatus: number | null;
  paymentIntentId: string | null;
}

/** Where the counter serves its record (`?since=<ISO time>`, `?orderId=<id>`, repeatable). */
export const chargesPath = '/__akaso/charges';

/**
 * The charges among one order's calls. A charge is an idempotency key the provider answered with
 * success: Stripe dedupes calls under one key (it returns the first PaymentIntent), so retries
 * and redeliveries under it cost nothing, while each further key is a further charge; a call
 * without a key cannot be deduped and is a charge of its own. A call whose answer was lost may
 * have charged (`maybe`, the keys not otherwise charged).
 */
export function chargesOf(calls: ChargeCall[]): { charged: string[]; maybe: string[]; deduplicated: number } {
  const charged: string[] = [];
  const lost: string[] = [];
  let deduplicated = 0;
  calls.forEach((call, i) => {
    const key = call.key ?? `(no idempotency key, call ${i + 1})`;
    if (call.outcome === 'succeeded') {
      if (charged.includes(key)) deduplicated++;
      else charged.push(key);
    } else if (call.outcome === 'lost' && !lost.includes(key)) lost.push(key);
  });
  return { charged, maybe: lost.filter((k) => !charged.includes(k)), deduplicated };
}

/** The calls the charge counter at `chargesUrl` recorded since `sinceMs` (epoch milliseconds). */
export async function readChargeCalls(chargesUrl: string, sinceMs: number): Promise<ChargeCall[]> {
  const since = encodeURIComponent(new Date(sinceMs).toISOString());
  const res = await fetch(`${chargesUrl}${chargesPath}?since=${since}`, {
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${chargesUrl}${chargesPath} answered ${res.status}`);
  return ((await res.json()) as { calls: ChargeCall[] }).calls;
}
