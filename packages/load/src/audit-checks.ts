/**
 * The audit's verdict check by check, as a reader wants it (the dashboard's rush panel, `pnpm
 * rush`): what each check holds the run to, its figures, and whether it passed, failed, is still
 * draining or could not run here. A check that cannot run (compose has no charge counter) says
 * so instead of passing silently.
 */
export type AuditCheckId = 'drained' | 'payments' | 'provider' | 'emails' | 'quota' | 'dead-letters';

export type AuditCheckOutcome = 'pass' | 'fail' | 'draining' | 'skipped' | 'info';

export interface AuditCheck {
  id: AuditCheckId;
  /** What the check holds the run to. */
  rule: string;
  outcome: AuditCheckOutcome;
  /** The figures behind the outcome, or why the check was skipped. */
  figures: string;
  /** Violations this check found (their text is in the report's violations). */
  violations: number;
}

/** What auditRun found, per check. */
export interface AuditFindings {
  orders: { accepted: number; confirmed: number; rejected: number; notTerminal: number };
  payments: { succeeded: number; failed: number; violations: string[] };
  /** null when no charge counter was given (the check is skipped). */
  provider: {
    calls: number;
    charges: number;
    deduplicated: number;
    unreachable: number;
    lost: number;
    violations: string[];
  } | null;
  emails: { confirmation: number; receipt: number; rejection: number; missing: number; violations: string[] };
  quota: { limit: number; windowHours: number; violations: string[] };
  dlq: Record<string, number>;
}

const outcomeOf = (violations: string[], draining = false): AuditCheckOutcome =>
  violations.length > 0 ? 'fail' : draining ? 'draining' : 'pass';

export function auditChecks(f: AuditFindings): AuditCheck[] {
  const o = f.orders;
  const p = f.provider;
  const m = f.emails;
  const deadLetters = Object.entries(f.dlq).filter(([, n]) => n > 0);
  return [
    {
      id: 'drained',
      rule: 'every accepted order reached a terminal state (confirmed or rejected)',
      outcome: o.notTerminal > 0 ? 'draining' : 'pass',
      figures: `${o.accepted} accepted: ${o.confirmed} confirmed, ${o.rejected} rejected, ${o.notTerminal} not terminal`,
      violations: 0,
    },
    {
      id: 'payments',
      rule: "one successful payment per confirmed order, none for a rejected one (the payment service's table)",
      outcome: outcomeOf(f.payments.violations),
      figures: `${f.payments.succeeded} succeeded, ${f.payments.failed} failed`,
      violations: f.payments.violations.length,
    },
    p === null
      ? {
          id: 'provider',
          rule: 'one charge at the card provider per confirmed order, none for a rejected one',
          outcome: 'skipped',
          figures:
            'skipped: no charge counter in front of the card provider here (the local stack has one, compose has none)',
          violations: 0,
        }
      : {
          id: 'provider',
          rule: 'one charge at the card provider per confirmed order, none for a rejected one',
          outcome: outcomeOf(p.violations),
          figures: `${p.charges} charges from ${p.calls} calls (${p.deduplicated} deduplicated retries, ${p.unreachable} unreachable, ${p.lost} answers lost)`,
          violations: p.violations.length,
        },
    {
      id: 'emails',
      rule: 'one confirmation and one receipt per confirmed order, one rejection per rejected one (the SMTP sink)',
      outcome: outcomeOf(m.violations, m.missing > 0),
      figures: `${m.confirmation} confirmations, ${m.receipt} receipts, ${m.rejection} rejections${m.missing > 0 ? `, ${m.missing} not received yet` : ''}`,
      violations: m.violations.length,
    },
    {
      id: 'quota',
      rule: `no user above ${f.quota.limit} burgers in any ${f.quota.windowHours} h`,
      outcome: outcomeOf(f.quota.violations),
      figures: `${f.quota.violations.length} orders over the limit`,
      violations: f.quota.violations.length,
    },
    {
      id: 'dead-letters',
      rule: 'what waits in the dead-letter topics (not lost: a replay moves it back)',
      outcome: 'info',
      figures:
        deadLetters.length === 0
          ? 'every dead-letter topic empty'
          : deadLetters.map(([topic, n]) => `${topic}: ${n}`).join(', '),
      violations: 0,
    },
  ];
}

/** The verdict's one line, as `pnpm rush` prints it. */
export function auditHeadline(report: { violations: string[]; stillDraining: string | null }): string {
  if (report.violations.length > 0) return `audit FAILED: ${report.violations.length} violation(s)`;
  if (report.stillDraining) return `audit: no violation, ${report.stillDraining}`;
  return 'audit passed: nothing lost, nothing doubled, no user above the limit';
}
