import { randomUUID } from 'node:crypto';
import { auditRun, christmasStages, runRush } from '@akaso/load';
import { apiUrl, auditTarget, chargeCounterUrl } from '@akaso/stack-client';
import { describe, expect, it } from 'vitest';

const stack = auditTarget;

// The smoke version of the Christmas rush: seconds, a small rate, few users (so many hit the
// limit), then the audit. A regression that loses or doubles orders, payments or emails fails
// here. Timing figures are reported by `pnpm bench`, never asserted.
describe('a small Christmas rush', () => {
  it.each(['async', 'sync'] as const)('%s: never answers 5xx and passes the audit', async (mode) => {
    const runId = randomUUID().slice(0, 8);
    const result = await runRush({
      baseUrl: apiUrl,
      mode,
      stages: christmasStages(mode === 'async' ? 40 : 10, 4, 2),
      users: 25,
      runId,
      seed: 42,
    });
    expect(result.firstErrors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.accepted).toBeGreaterThan(10);
    expect(result.refused).toBeGreaterThan(0); // some users came back past their 5 burgers
    const report = await auditRun({ runId, ...stack, drainTimeoutMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.orders.accepted).toBe(result.accepted);
    expect(report.orders.confirmed + report.orders.rejected).toBe(result.accepted);
    expect(report.emails.confirmation).toBe(report.orders.confirmed);
    expect(report.emails.receipt).toBe(report.orders.confirmed);
    // Counted where the money moves: one charge at the provider per confirmed order.
    expect(report.provider?.charges).toBe(report.orders.confirmed);
  });

  it('the audit sees a second charge at the card provider that the payments table cannot show', async () => {
    const runId = randomUUID().slice(0, 8);
    const result = await runRush({
      baseUrl: apiUrl,
      mode: 'async',
      stages: christmasStages(5, 2, 1),
      users: 5,
      runId,
      seed: 7,
    });
    expect(result.accepted).toBeGreaterThan(0);
    const first = await auditRun({ runId, ...stack, drainTimeoutMs: 60_000 });
    expect(first.violations).toEqual([]);
    const orderId = result.acceptedOrders[0]?.orderId ?? '';
    const status = first.orders.confirmed > 0 ? 'confirmed' : 'rejected';
    // A retry under a new idempotency key, as a buggy service could send: a real second charge,
    // through the counter to stripe-mock, which the payments table (one row per order) never sees.
    const res = await fetch(`${chargeCounterUrl}/v1/payment_intents`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_AkasoBurgerExample',
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': `double-charge-${orderId}`,
      },
      body: new URLSearchParams({
        amount: '100',
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: 'true',
        'metadata[orderId]': orderId,
      }).toString(),
    });
    expect(res.status).toBe(200);
    const second = await auditRun({ runId, ...stack, drainTimeoutMs: 10_000 });
    expect(second.ok).toBe(false);
    expect(second.violations.join('\n')).toMatch(
      new RegExp(`${status} order ${orderId}: (2 charges at the provider|charged at the provider)`),
    );
  });
});
