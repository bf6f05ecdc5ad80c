import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiUrl,
  bootstrapServers,
  chargeCounterUrl,
  mailpitUrl,
  postgresServerUrl,
} from '../stack/topology.ts';
import { auditRun } from './audit.ts';
import { runRush } from './rush.ts';
import { christmasStages } from './scenario.ts';

const stack = {
  postgresUrl: postgresServerUrl,
  mailpitUrl,
  brokers: bootstrapServers,
  chargesUrl: chargeCounterUrl,
};

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
});
