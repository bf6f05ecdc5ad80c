import { describe, expect, it } from 'vitest';
import * as standIn from './sync-flow-stand-ins.ts';

/**
 * The synchronous baseline authenticates to the internal endpoints with the shared token. That it
 * sends the right one is shown by sync-flow.test.ts: every stand-in requires it.
 */
standIn.useStandIns();

describe('the synchronous baseline and the internal token', () => {
  it('with a wrong token the endpoints refuse (401) before doing anything, and the order is rejected', async () => {
    const orders = standIn.fakeOrders();
    standIn.reserveSucceeds();
    const err = await standIn.upstreamError(
      standIn.flow(orders, 200, 'not-the-token')(standIn.input, { correlationId: 'c' }),
    );
    expect(err.code).toBe('UPSTREAM_FAILED');
    // Refused by the token check: no handler ran, nothing was reserved.
    expect(standIn.paths()).toEqual([]);
    expect(orders.order.status).toBe('rejected');
  });
});
