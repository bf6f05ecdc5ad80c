import Stripe from 'stripe';

/**
 * The card gateway's errors (undici's way): a failed charge leaves the gateway with a stable
 * code and whether trying again can help, judged from the Stripe SDK's error class and HTTP
 * status, never from message text. The shared consumer reads only `retriable` (and
 * `blocksService`); it knows nothing of Stripe.
 */
export const gatewayErrorCodes = {
  /** No answer: network, DNS, TLS, a timeout (StripeConnectionError). */
  STRIPE_UNREACHABLE: { retriable: true },
  /** Stripe's side failed (StripeAPIError, 5xx) or asked us to retry (409, a concurrent use of the key). */
  STRIPE_UNAVAILABLE: { retriable: true },
  /** Stripe's side failed and Stripe says a retry will not help (Stripe-Should-Retry: false). */
  STRIPE_API_ERROR: { retriable: false },
  /** Too many requests, or the object is locked by another request (429, lock_timeout). */
  STRIPE_RATE_LIMITED: { retriable: true },
  /** Our API key is wrong, expired or revoked (401): every charge would fail alike. */
  STRIPE_AUTH: { retriable: true, blocksService: true },
  /** Our key may not do this (403): the same, until an operator grants it. */
  STRIPE_PERMISSION: { retriable: true, blocksService: true },
  /** Stripe calls our request invalid (400/404, not about the card): it stays invalid. */
  STRIPE_INVALID_REQUEST: { retriable: false },
  /** The idempotency key was used with other parameters: a bug of ours, never fixed by waiting. */
  STRIPE_IDEMPOTENCY: { retriable: false },
} as const satisfies Record<string, { retriable: boolean; blocksService?: boolean }>;

export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly retriable: boolean;
  readonly blocksService: boolean;
  readonly dependency = 'card provider';
  /** Stripe's HTTP status, when it answered. */
  readonly statusCode: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: GatewayErrorCode, cause: Stripe.errors.StripeError) {
    super(`card provider: ${cause.message}`, { cause });
    this.name = 'GatewayError';
    const flags: { retriable: boolean; blocksService?: boolean } = gatewayErrorCodes[code];
    this.code = code;
    this.retriable = flags.retriable;
    this.blocksService = flags.blocksService ?? false;
    this.statusCode = cause.statusCode;
    this.retryAfterMs = retryAfterMs(cause.headers);
  }
}

function retryAfterMs(headers: Record<string, unknown> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  const seconds = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000 : undefined;
}

/** A refusal about the customer's payment method: the order's outcome, not an error of ours. */
export function isPaymentMethodRefusal(err: Stripe.errors.StripeError): boolean {
  return (
    err.param === 'payment_method' || (typeof err.code === 'string' && err.code.startsWith('payment_method_'))
  );
}

/**
 * The GatewayError for a Stripe SDK error, or null for anything else (not Stripe's, or an
 * error class this adapter does not know: the consumer treats it as unknown). A card decline
 * (StripeCardError) is no error: the gateway answers it as a declined charge.
 */
export function gatewayErrorOf(err: unknown): GatewayError | null {
  const E = Stripe.errors;
  if (!(err instanceof E.StripeError)) return null;
  if (err instanceof E.StripeConnectionError) return new GatewayError('STRIPE_UNREACHABLE', err);
  if (err instanceof E.StripeAuthenticationError) return new GatewayError('STRIPE_AUTH', err);
  if (err instanceof E.StripePermissionError) return new GatewayError('STRIPE_PERMISSION', err);
  if (err instanceof E.StripeRateLimitError) return new GatewayError('STRIPE_RATE_LIMITED', err);
  if (err instanceof E.StripeIdempotencyError) return new GatewayError('STRIPE_IDEMPOTENCY', err);
  if (err instanceof E.StripeInvalidRequestError) {
    // lock_timeout: another request holds the object; it is released within seconds.
    if (err.code === 'lock_timeout') return new GatewayError('STRIPE_RATE_LIMITED', err);
    return new GatewayError('STRIPE_INVALID_REQUEST', err);
  }
  if (err instanceof E.StripeAPIError) {
    // Stripe says outright whether a retry can succeed; without the header, its own failure can pass later.
    if (err.headers?.['stripe-should-retry'] === 'false') return new GatewayError('STRIPE_API_ERROR', err);
    return new GatewayError('STRIPE_UNAVAILABLE', err);
  }
  return null;
}
