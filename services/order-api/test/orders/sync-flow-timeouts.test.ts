import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { OrderPlaced } from '../../src/orders/place-order.ts';
import * as standIn from './sync-flow-stand-ins.ts';

/** The synchronous baseline when a step answers after its timeout: late answers are reconciled. */
standIn.useStandIns();

describe('the synchronous baseline', () => {
  it('the reservation times out: the order is rejected at once, and the late reservation is given back', async () => {
    const orders = standIn.fakeOrders();
    standIn.handlers['/internal/reserve'] = async (e) => {
      await sleep(400);
      return { events: [standIn.stockReserved(e as OrderPlaced)] };
    };
    const run = standIn.flow(orders);
    const err = await standIn.upstreamError(run(standIn.input, { correlationId: 'c' }));
    expect(err.code).toBe('UPSTREAM_FAILED');
    expect(err.message).toBe('the order could not be processed: inventory did not answer in time');
    expect(orders.order.status).toBe('rejected');
    expect(standIn.paths()).toEqual(['/internal/reserve']);
    await run.settled();
    expect(standIn.paths()).toEqual(['/internal/reserve', '/internal/release']);
    expect(standIn.calls[1]?.body).toMatchObject({
      type: 'PaymentFailed',
      orderId: orders.placed.orderId,
      declineCode: null,
    });
  });

  it('a charge that succeeds after the timeout: nothing is released or rejected, and the late success confirms the order', async () => {
    const orders = standIn.fakeOrders();
    let charged = 0;
    standIn.reserveSucceeds();
    standIn.handlers['/internal/charge'] = async (e) => {
      await sleep(400);
      charged++;
      return { events: [standIn.paymentSucceeded(e)] };
    };
    const run = standIn.flow(orders);
    const err = await standIn.upstreamError(run(standIn.input, { correlationId: 'c' }));
    expect(err.message).toBe(
      "payment did not answer in time: the order stays reserved until the payment's outcome is known",
    );
    expect(orders.order.status).toBe('reserved');
    await run.settled();
    expect(charged).toBe(1);
    expect(orders.order).toMatchObject({ status: 'confirmed', abandoned: [] });
    expect(standIn.paths()).not.toContain('/internal/release');
    expect(standIn.sent()).toEqual(['OrderConfirmed', 'PaymentSucceeded']);
  });

  it('a late decline after the timeout releases the stock and rejects then', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.handlers['/internal/charge'] = async (e) => {
      await sleep(400);
      return { events: [standIn.paymentFailed(e)] };
    };
    const run = standIn.flow(orders);
    await standIn.upstreamError(run(standIn.input, { correlationId: 'c' }));
    expect(standIn.paths()).toEqual(['/internal/reserve', '/internal/charge']);
    await run.settled();
    expect(orders.order).toMatchObject({ status: 'rejected', reason: 'card declined' });
    expect(standIn.paths()).toContain('/internal/release');
  });
});
