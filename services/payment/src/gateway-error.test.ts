import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { createStripeGateway } from './gateway.ts';
import { GatewayError, gatewayErrorOf } from './gateway-error.ts';

/** The error the Stripe SDK itself builds from an HTTP answer (its generateV1Error). */
const answered = (statusCode: number, error: Record<string, unknown>, headers: Record<string, string> = {}) =>
  Stripe.errors.StripeError.generate({ statusCode, headers, message: 'from Stripe', ...error } as never);

describe('card gateway errors, by Stripe error class and status', () => {
  it.each([
    [
      'no connection',
      new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' }),
      'STRIPE_UNREACHABLE',
    ],
    ['a 500', answered(500, { type: 'api_error' }), 'STRIPE_UNAVAILABLE'],
    ['a 409 (the same key in flight)', answered(409, { type: 'api_error' }), 'STRIPE_UNAVAILABLE'],
    ['a 429', answered(429, { type: 'rate_limit_error' }), 'STRIPE_RATE_LIMITED'],
    [
      'a lock timeout',
      answered(400, { type: 'invalid_request_error', code: 'lock_timeout' }),
      'STRIPE_RATE_LIMITED',
    ],
  ])('%s: retriable, the service stays ready', (_, err, code) => {
    expect(gatewayErrorOf(err)).toMatchObject({ code, retriable: true, blocksService: false });
  });

  it.each([
    ['a 401 (a wrong or revoked key)', answered(401, { type: 'invalid_request_error' }), 'STRIPE_AUTH'],
    ['a 403 (a restricted key)', answered(403, { type: 'invalid_request_error' }), 'STRIPE_PERMISSION'],
  ])('%s: retriable and blocks the service (pause, not ready, never dead-letter)', (_, err, code) => {
    expect(gatewayErrorOf(err)).toMatchObject({
      code,
      retriable: true,
      blocksService: true,
      dependency: 'card provider',
    });
  });

  it.each([
    [
      'a 400 about our parameters',
      answered(400, { type: 'invalid_request_error', param: 'amount' }),
      'STRIPE_INVALID_REQUEST',
    ],
    [
      'a 404',
      answered(404, { type: 'invalid_request_error', code: 'resource_missing' }),
      'STRIPE_INVALID_REQUEST',
    ],
    [
      'a key reused with other parameters',
      answered(400, { type: 'idempotency_error' }),
      'STRIPE_IDEMPOTENCY',
    ],
    [
      'a failure Stripe says not to retry',
      answered(500, { type: 'api_error' }, { 'stripe-should-retry': 'false' }),
      'STRIPE_API_ERROR',
    ],
  ])('%s: not retriable (dead-lettered with the reason)', (_, err, code) => {
    expect(gatewayErrorOf(err)).toMatchObject({ code, retriable: false });
  });

  it("keeps Stripe's retry hint and leaves errors that are not Stripe's alone", () => {
    expect(
      gatewayErrorOf(answered(429, { type: 'rate_limit_error' }, { 'retry-after': '3' }))?.retryAfterMs,
    ).toBe(3_000);
    expect(gatewayErrorOf(new TypeError('x'))).toBeNull();
    expect(gatewayErrorOf(Object.assign(new Error('x'), { type: 'StripeConnectionError' }))).toBeNull();
  });
});

describe('the gateway against an HTTP server that answers as Stripe does', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** Answers each charge with the next scripted status (Stripe's JSON bodies). */
  async function fakeStripe(statuses: number[]) {
    const seen: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      const status = statuses.shift() ?? 200;
      seen.push(status);
      res.setHeader('content-type', 'application/json');
      res.statusCode = status;
      if (status === 200) {
        res.end(JSON.stringify({ id: 'pi_1', object: 'payment_intent', amount: 1_000, status: 'succeeded' }));
      } else if (status === 402) {
        res.end(
          JSON.stringify({
            error: {
              type: 'card_error',
              code: 'card_declined',
              decline_code: 'generic_decline',
              message: 'Your card was declined.',
            },
          }),
        );
      } else if (status === 400) {
        res.end(
          JSON.stringify({
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              param: 'payment_method',
              message: 'No such PaymentMethod',
            },
          }),
        );
      } else {
        res.end(
          JSON.stringify({
            error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***rong' },
          }),
        );
      }
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const gateway = createStripeGateway({
      secretKey: 'sk_test_wrong',
      apiBase: `http://127.0.0.1:${port}`,
      simulateDeclines: false,
      declineRate: 0,
      latencyMs: 0,
    });
    return { gateway, seen };
  }

  const request = {
    orderId: '0b0f7a36-3f0a-4f0e-9a53-7a0c8a9e2b11',
    userId: 'u1',
    amountCents: 1_000,
    currency: 'eur',
    paymentMethod: 'pm_card_visa',
  };

  it('a 401 throws STRIPE_AUTH and makes the card provider not ready, until Stripe takes a request again', async () => {
    const { gateway, seen } = await fakeStripe([401, 401, 200]);
    await expect(gateway.readiness.check()).resolves.toBeUndefined();
    const first = await gateway.charge(request).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(GatewayError);
    expect(first).toMatchObject({
      code: 'STRIPE_AUTH',
      retriable: true,
      blocksService: true,
      statusCode: 401,
    });
    await expect(gateway.readiness.check()).rejects.toThrow(/^STRIPE_AUTH: card provider: Invalid API Key/);
    await expect(gateway.charge(request)).rejects.toMatchObject({ code: 'STRIPE_AUTH' });
    // The key is fixed (or restored): the next charge goes through and readiness recovers.
    await expect(gateway.charge(request)).resolves.toMatchObject({
      status: 'succeeded',
      paymentIntentId: 'pi_1',
    });
    await expect(gateway.readiness.check()).resolves.toBeUndefined();
    // The SDK does not retry a 401 on its own: one request per charge.
    expect(seen).toEqual([401, 401, 200]);
  });

  it("a card decline and an unknown payment method are the order's outcome, not errors", async () => {
    const { gateway } = await fakeStripe([402, 400]);
    await expect(gateway.charge(request)).resolves.toMatchObject({
      status: 'declined',
      declineCode: 'generic_decline',
    });
    await expect(gateway.charge(request)).resolves.toMatchObject({
      status: 'declined',
      declineCode: 'resource_missing',
    });
  });
});
