import { once } from 'node:events';
import { createServer } from 'node:http';
import { classifyError, describeGroupMembers } from '@akaso/kafka';
import { api, eventually, order, uniqueUser, waitForTerminal, withAdmin } from '@akaso/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { host, stripeMock } from '../../../packages/stack-client/src/topology.ts';
import { startPart, stopPart } from '../../../scripts/stack/control.ts';
import { instancePort } from '../../../scripts/stack/services.ts';
import { createStripeGateway } from '../src/gateway.ts';

// stripe-mock answers a key that is not shaped sk_test_… with a 401, as Stripe answers a wrong
// or revoked one: the real Stripe SDK then throws StripeAuthenticationError.
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

describe('the card gateway when the card provider rejects our credentials', () => {
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

const port = instancePort('payment', 1);
const paymentUrl = `http://${host}:${port}`;

/** The payment instance's own count of a metric line (0 when it has none yet). */
async function metric(line: RegExp): Promise<number> {
  const text = await (await fetch(`${paymentUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/**
 * A card provider that rejects our key, answering as Stripe does for a revoked one. (stripe-mock
 * answers 401 only to a key not shaped sk_test_…, which the service's configuration refuses.)
 */
const revoked = createServer((req, res) => {
  req.resume();
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***oked' },
    }),
  );
});

afterAll(async () => {
  // The stack's payment instance as it was: the configured provider and key.
  await stopPart('payment-1');
  await startPart('payment-1');
  revoked.close();
});

describe('the payment service with a key the card provider rejects', () => {
  it('is not ready (naming the card provider), keeps its partitions and retries past the unknown-error limit without dead-lettering; with the key back the order is charged', async () => {
    revoked.listen(0, host);
    await once(revoked, 'listening');
    const { port: revokedPort } = revoked.address() as { port: number };
    await stopPart('payment-1');
    await startPart('payment-1', undefined, {
      STRIPE_SECRET_KEY: 'sk_test_Revoked',
      STRIPE_API_BASE: `http://${host}:${revokedPort}`,
    });

    const res = await api<{ orderId: string }>('/orders', {
      method: 'POST',
      body: order(uniqueUser('badkey')),
    });
    expect(res.status).toBe(202);
    const { orderId } = res.body;

    const readiness = await eventually(
      'payment not ready, naming the card provider',
      async () => {
        const r = await fetch(`${paymentUrl}/readyz`);
        const body = (await r.json()) as { checks: Record<string, string> };
        return r.status === 503 && /STRIPE_AUTH/.test(body.checks['card provider'] ?? '') ? body : null;
      },
      60_000,
    );
    expect(readiness.checks.database).toBe('ok');

    // More tries than an unknown error gets before the DLQ (retryDefaults.maxAttempts = 6).
    await eventually(
      'seven retries of STRIPE_AUTH',
      async () =>
        (await metric(/^akaso_handler_retries_total\{code="STRIPE_AUTH",kind="transient"[,}]/)) >= 7,
      90_000,
    );
    expect(await metric(/^akaso_dead_lettered_total/)).toBe(0);
    const members = await withAdmin((admin) => describeGroupMembers(admin, 'payment'));
    expect(members.members.flatMap((m) => m.assignment.inventory ?? []).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
    const waiting = await api<{ status: string }>(`/orders/${orderId}`);
    expect(waiting.body.status).not.toMatch(/confirmed|rejected/);

    // The operator fixes the key: the same order, never dead-lettered, is charged and confirmed.
    await stopPart('payment-1');
    await startPart('payment-1');
    expect((await waitForTerminal(orderId, 60_000)).status).toBe('confirmed');
  });
});
