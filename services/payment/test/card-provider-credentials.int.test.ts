import { classifyError } from '@akaso/kafka';
import { describe, expect, it } from 'vitest';
import { host, stripeMock } from '../../../packages/stack-client/src/topology.ts';
import { createStripeGateway } from '../src/gateway.ts';

// The real Stripe SDK against stripe-mock, which answers a key that is not shaped sk_test_… with
// a 401 as Stripe answers a wrong or revoked one.
const gatewayWith = (secretKey: string) =>
  createStripeGateway({
    secretKey,
    apiBase: `http://${host}:${stripeMock.port}`,
    simulateDeclines: false,
    declineRate: 0,
    latencyMs: 0,
  });

const request = (orderId: string) => ({
  orderId,
  userId: 'credentials-test',
  amountCents: 1_250,
  currency: 'eur',
  paymentMethod: 'pm_card_visa',
});

describe('the card provider rejects our credentials', () => {
  it('the charge fails as a transient error that blocks the service, and readiness names the card provider', async () => {
    const gateway = gatewayWith('not-a-stripe-key');
    const err = await gateway
      .charge(request('6f1c2c4e-5b0f-4c55-9d2a-4f3f1e0b9a01'))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STRIPE_AUTH', statusCode: 401, retriable: true, blocksService: true });
    // What the consumer does with it: retry with backoff for as long as it takes, never the DLQ.
    expect(classifyError(err)).toMatchObject({
      kind: 'transient',
      blocksService: true,
      dependency: 'card provider',
    });
    await expect(gateway.readiness.check()).rejects.toThrow(/STRIPE_AUTH/);
  });

  it('with a valid test key the same charge succeeds and the card provider is ready', async () => {
    const gateway = gatewayWith('sk_test_AkasoBurgerCredentials');
    await expect(gateway.charge(request('6f1c2c4e-5b0f-4c55-9d2a-4f3f1e0b9a02'))).resolves.toMatchObject({
      status: 'succeeded',
    });
    await expect(gateway.readiness.check()).resolves.toBeUndefined();
  });
});
