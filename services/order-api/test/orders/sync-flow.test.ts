import { describe, expect, it } from 'vitest';
import * as standIn from './sync-flow-stand-ins.ts';

/** The synchronous baseline when every step answers: confirmed, or rejected by a declined card. */
standIn.useStandIns();

describe('the synchronous baseline', () => {
  it('reserves, charges, confirms and mails, and answers the confirmed order', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.chargeSucceeds();
    const body = await standIn.flow(orders)(standIn.input, { correlationId: 'c' });
    expect(body).toMatchObject({ status: 'confirmed', reason: null });
    expect(standIn.paths()).toEqual([
      '/internal/reserve',
      '/internal/charge',
      '/internal/send',
      '/internal/send',
    ]);
    expect(standIn.sent()).toEqual(['OrderConfirmed', 'PaymentSucceeded']);
  });

  it('a declined card: the stock is released with the decline and the order rejected', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    standIn.handlers['/internal/charge'] = async (e) => ({ events: [standIn.paymentFailed(e)] });
    const body = await standIn.flow(orders)(standIn.input, { correlationId: 'c' });
    expect(body).toMatchObject({ status: 'rejected', reason: 'card declined' });
    const release = standIn.calls.find((c) => c.path === '/internal/release');
    expect(release?.body).toMatchObject({ type: 'PaymentFailed', orderId: orders.placed.orderId });
    expect(standIn.sent()).toEqual(['OrderRejected']);
  });
});
