import { describe, expect, it } from 'vitest';
import { type AuditFindings, auditChecks, auditHeadline } from './audit-checks.ts';

const clean = (): AuditFindings => ({
  orders: { accepted: 10, confirmed: 8, rejected: 2, notTerminal: 0 },
  payments: { succeeded: 8, failed: 2, violations: [] },
  provider: { calls: 9, charges: 8, deduplicated: 1, unreachable: 0, lost: 0, violations: [] },
  emails: { confirmation: 8, receipt: 8, rejection: 2, missing: 0, violations: [] },
  quota: { limit: 5, windowHours: 24, violations: [] },
  dlq: { 'orders.dlq': 0, 'payments.dlq': 0 },
});
const outcomes = (f: AuditFindings) => Object.fromEntries(auditChecks(f).map((c) => [c.id, c.outcome]));

describe('the audit check by check', () => {
  it('passes every check of a clean run, with its figures', () => {
    const checks = auditChecks(clean());
    expect(outcomes(clean())).toEqual({
      drained: 'pass',
      payments: 'pass',
      provider: 'pass',
      emails: 'pass',
      quota: 'pass',
      'dead-letters': 'info',
    });
    expect(checks.find((c) => c.id === 'provider')?.figures).toMatch(
      /^8 charges from 9 calls \(1 deduplicated/,
    );
    expect(checks.find((c) => c.id === 'dead-letters')?.figures).toBe('every dead-letter topic empty');
  });

  it('says the provider check was skipped when there is no charge counter, instead of passing it', () => {
    const provider = auditChecks({ ...clean(), provider: null }).find((c) => c.id === 'provider');
    expect(provider?.outcome).toBe('skipped');
    expect(provider?.figures).toMatch(/^skipped: no charge counter/);
  });

  it('fails the check that found a violation, and only that one', () => {
    const f = clean();
    f.payments.violations.push('confirmed order x has 2 successful payments');
    const checks = auditChecks(f);
    expect(outcomes(f)).toMatchObject({ payments: 'fail', provider: 'pass', emails: 'pass', quota: 'pass' });
    expect(checks.find((c) => c.id === 'payments')?.violations).toBe(1);
  });

  it('marks orders and mails still on their way as draining, a second mail as a failure', () => {
    const f = clean();
    f.orders.notTerminal = 3;
    f.emails.missing = 2;
    expect(outcomes(f)).toMatchObject({ drained: 'draining', emails: 'draining' });
    f.emails.violations.push('order y: 2 confirmation emails');
    expect(outcomes(f).emails).toBe('fail');
    expect(auditChecks(f).find((c) => c.id === 'emails')?.figures).toMatch(/2 not received yet$/);
  });

  it('names the dead-letter topics that hold messages', () => {
    const f = { ...clean(), dlq: { 'orders.dlq': 0, 'payments.dlq': 3 } };
    expect(auditChecks(f).find((c) => c.id === 'dead-letters')?.figures).toBe('payments.dlq: 3');
  });
});

describe('the verdict line', () => {
  it('reads as pnpm rush prints it', () => {
    expect(auditHeadline({ violations: [], stillDraining: null })).toBe(
      'audit passed: nothing lost, nothing doubled, no user above the limit',
    );
    expect(auditHeadline({ violations: ['a', 'b'], stillDraining: null })).toBe(
      'audit FAILED: 2 violation(s)',
    );
    expect(
      auditHeadline({ violations: [], stillDraining: 'still draining after 60 s: 1 orders not terminal' }),
    ).toBe('audit: no violation, still draining after 60 s: 1 orders not terminal');
  });
});
