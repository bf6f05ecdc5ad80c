import { createLogger } from '@akaso/config';
import { describe, expect, it } from 'vitest';
import { createSyncFlow } from '../../src/orders/sync-flow.ts';
import * as standIn from './sync-flow-stand-ins.ts';

/** The synchronous baseline when a step fails: what is compensated, what stands, what is named. */
standIn.useStandIns();

describe('the synchronous baseline', () => {
  it('a charge that fails with a 5xx may have charged: the order stays reserved, nothing released', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.handlers['/internal/charge'] = async () => ({
      status: 500,
      text: 'stripe: connection reset at http://10.0.0.7',
    });
    const run = standIn.flow(orders);
    const err = await standIn.upstreamError(run(standIn.input, { correlationId: 'c' }));
    await run.settled();
    expect(orders.order).toMatchObject({ status: 'reserved', abandoned: [] });
    expect(standIn.paths()).not.toContain('/internal/release');
    // The customer sees the step, never an internal URL or the upstream's body.
    expect(err.message).not.toMatch(/http|stripe|10\.0\.0\.7|127\.0\.0\.1/);
  });

  it('a charge refused before charging (4xx) releases the stock and rejects the order', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.handlers['/internal/charge'] = async () => ({ status: 400, text: '{"code":"VALIDATION_ERROR"}' });
    const err = await standIn.upstreamError(standIn.flow(orders)(standIn.input, { correlationId: 'c' }));
    expect(err.message).toBe('the order could not be processed: payment refused the request');
    expect(orders.order.status).toBe('rejected');
    expect(standIn.paths()).toEqual(['/internal/reserve', '/internal/charge', '/internal/release']);
  });

  it('an unreachable service is named, not its address', async () => {
    const orders = standIn.fakeOrders();
    const run = createSyncFlow({
      ...orders,
      endpoints: {
        inventoryUrl: 'http://127.0.0.1:1',
        paymentUrl: standIn.standInsUrl(),
        emailUrl: standIn.standInsUrl(),
      },
      internalToken: standIn.internalToken,
      stepTimeoutMs: 1_000,
      settleTimeoutMs: 1_000,
      logger: createLogger('test', 'silent'),
    });
    const err = await standIn.upstreamError(run(standIn.input, { correlationId: 'c' }));
    expect(err.message).toBe('the order could not be processed: inventory is unreachable');
    expect(orders.order.status).toBe('rejected');
  });

  it('only a mail failed: the paid order stands and the answer says confirmed', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.chargeSucceeds();
    standIn.handlers['/internal/send'] = async () => ({ status: 500, text: 'smtp down' });
    const body = await standIn.flow(orders)(standIn.input, { correlationId: 'c' });
    expect(body.status).toBe('confirmed');
    expect(orders.order.abandoned).toEqual([]);
  });
});
