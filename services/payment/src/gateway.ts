import { createHash } from 'node:crypto';
import type { Flags } from '@akaso/flags';
import { withClientSpan } from '@akaso/observability';
import type { ReadinessCheck } from '@akaso/service';
import Stripe from 'stripe';
import { type GatewayError, gatewayErrorOf, isPaymentMethodRefusal } from './gateway-error.ts';
import { providerBehaviour } from './provider-behaviour.ts';

/**
 * The card charge. Real Stripe SDK calls, against stripe-mock by default or real Stripe test
 * mode with a real key. The idempotency key is derived from the order, so a redelivered event
 * (or a retry after a timeout) can never charge twice: Stripe returns the first PaymentIntent.
 */
export type ChargeOutcome =
  | { status: 'succeeded'; paymentIntentId: string; amountCents: number }
  | { status: 'declined'; reason: string; declineCode: string | null; paymentIntentId: string | null };

export interface ChargeRequest {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
}

/**
 * Stripe's test payment methods that decline, and the decline code real Stripe gives each
 * (stripe-mock accepts them all and always "succeeds", so with it we answer as Stripe would).
 */
export const simulatedDeclines: Record<string, { declineCode: string; reason: string }> = {
  pm_card_chargeDeclined: { declineCode: 'generic_decline', reason: 'Your card was declined.' },
  pm_card_visa_chargeDeclined: { declineCode: 'generic_decline', reason: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    declineCode: 'insufficient_funds',
    reason: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedExpiredCard: { declineCode: 'expired_card', reason: 'Your card has expired.' },
  pm_card_chargeDeclinedFraudulent: { declineCode: 'fraudulent', reason: 'Your card was declined.' },
};

export function idempotencyKeyFor(orderId: string): string {
  return `akaso-order-${orderId}`;
}

/** Deterministic per order: the same order is always declined or always not. */
export function declinedByRate(orderId: string, rate: number): boolean {
  if (rate <= 0) return false;
  const n = createHash('sha256').update(orderId).digest().readUInt32BE(0) / 0xffffffff;
  return n < rate;
}

export interface GatewayOptions {
  secretKey: string;
  apiBase: string;
  simulateDeclines: boolean;
  declineRate: number;
  latencyMs: number;
  /** The run-time flags, read per charge: `payment.latencyMs` and `payment.declineRate` win. */
  flags?: () => Flags;
}

export function createStripeGateway(opts: GatewayOptions) {
  const url = opts.apiBase ? new URL(opts.apiBase) : null;
  const stripe = new Stripe(opts.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(url
      ? {
          host: url.hostname,
          port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          protocol: url.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });

  // The last answer was Stripe refusing our credentials: not ready until Stripe takes a request again.
  let refused: GatewayError | null = null;

  async function chargeOnce(req: ChargeRequest): Promise<ChargeOutcome> {
    const { latencyMs, declineRate } = opts.flags ? providerBehaviour(opts, opts.flags()) : opts;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const simulated = opts.simulateDeclines ? simulatedDeclines[req.paymentMethod] : undefined;
    if (simulated)
      return {
        status: 'declined',
        reason: simulated.reason,
        declineCode: simulated.declineCode,
        paymentIntentId: null,
      };
    if (declinedByRate(req.orderId, declineRate)) {
      return {
        status: 'declined',
        reason: 'Your card was declined (simulated decline rate).',
        declineCode: 'generic_decline',
        paymentIntentId: null,
      };
    }
    try {
      const intent = await stripe.paymentIntents.create(
        {
          amount: req.amountCents,
          currency: req.currency,
          payment_method: req.paymentMethod,
          confirm: true,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          metadata: { orderId: req.orderId, userId: req.userId },
        },
        { idempotencyKey: idempotencyKeyFor(req.orderId) },
      );
      refused = null;
      return { status: 'succeeded', paymentIntentId: intent.id, amountCents: intent.amount };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        refused = null;
        return {
          status: 'declined',
          reason: err.message,
          declineCode: err.decline_code ?? err.code ?? null,
          paymentIntentId: (err.payment_intent as { id?: string } | undefined)?.id ?? null,
        };
      }
      if (err instanceof Stripe.errors.StripeInvalidRequestError && isPaymentMethodRefusal(err)) {
        // A payment method Stripe does not know or take: the customer's problem, the order's outcome.
        refused = null;
        return {
          status: 'declined',
          reason: `payment rejected: ${err.message}`,
          declineCode: err.code ?? null,
          paymentIntentId: null,
        };
      }
      // The rest says itself whether to retry (gateway-error.ts): the consumer reads that flag.
      const failure = gatewayErrorOf(err);
      if (!failure) throw err;
      if (failure.blocksService) refused = failure;
      throw failure;
    }
  }

  // One span per charge in the order's trace, provider latency included (workshop lab 13).
  const charge: Charge = (req) =>
    withClientSpan('payment provider charge', { 'akaso.order_id': req.orderId }, req.orderId, () =>
      chargeOnce(req),
    );

  /**
   * Readiness: Stripe refusing our key is no message's fault and no blip: the consumer pauses
   * (retries with backoff, keeps its partitions) and /readyz names the card provider at once.
   */
  const readiness: ReadinessCheck = {
    name: 'card provider',
    check: async () => {
      if (refused) throw new Error(`${refused.code}: ${refused.message}`);
    },
  };

  return { charge, readiness };
}

export type Charge = (req: ChargeRequest) => Promise<ChargeOutcome>;
