import type { ChargeCall } from './charges.ts';

/**
 * A charge counter record for tests: order `a` charged successfully under its idempotency key,
 * with `over` changed. One builder, so the tests of the counter, its readers and the audit
 * describe the same record.
 */
export const chargeCall = (over: Partial<ChargeCall> = {}): ChargeCall => ({
  at: '2026-12-24T12:00:00.000Z',
  key: 'akaso-order-a',
  orderId: 'a',
  outcome: 'succeeded',
  httpStatus: 200,
  paymentIntentId: 'pi_1',
  ...over,
});
