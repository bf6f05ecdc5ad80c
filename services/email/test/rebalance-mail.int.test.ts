import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeGroupMembers } from '@akaso/kafka';
import { auditRun, runRush } from '@akaso/load';
import { apiUrl, auditTarget } from '@akaso/stack-client';
import { eventually, withAdmin } from '@akaso/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPart, stopPart } from '../../../scripts/stack/control.ts';
import { silentReporter, stopProcess } from '../../../scripts/stack/proc.ts';
import { instanceName, startServiceInstance } from '../../../scripts/stack/services.ts';

// A slow SMTP provider: every instance has mails in hand (claimed, not yet sent) at any moment,
// so each rebalance moves partitions away from an owner that is still sending.
const slow = { SMTP_LATENCY_MS: '1500' };

/** Members of group email that own at least one partition. */
async function assignedMembers(): Promise<number> {
  return withAdmin(async (admin) => {
    const { members } = await describeGroupMembers(admin, 'email');
    return members.filter((m) => Object.values(m.assignment).some((ps) => ps.length > 0)).length;
  });
}

const members = (n: number) =>
  eventually(
    `${n} members of group email with partitions`,
    async () => (await assignedMembers()) === n,
    60_000,
  );

beforeAll(async () => {
  // The stack's instance restarted slow, and a second one beside it.
  await stopPart('email-1');
  await startPart('email-1', silentReporter, slow);
  await startServiceInstance('email', 2, silentReporter, slow);
  await members(2);
});

afterAll(async () => {
  await stopProcess(instanceName('email', 3));
  await stopProcess(instanceName('email', 2));
  await stopPart('email-1');
  await startPart('email-1');
});

describe('a rebalance of group email in the middle of a rush', () => {
  it('sends each (order, kind) mail exactly once: a live owner keeps its claims', async () => {
    const runId = randomUUID().slice(0, 8);
    const rush = runRush({
      baseUrl: apiUrl,
      mode: 'async',
      stages: [
        { durationS: 2, targetRps: 15 },
        { durationS: 26, targetRps: 15 },
      ],
      users: 4_000,
      runId,
      seed: 22,
    });
    // A third instance joins while mails are in hand, works a while, and leaves cleanly (SIGTERM:
    // it finishes what it holds, commits, leaves the group): two rebalances under load.
    await sleep(6_000);
    await startServiceInstance('email', 3, silentReporter, slow);
    await members(3);
    await sleep(4_000);
    expect(await stopProcess(instanceName('email', 3), 30_000)).toBe(false); // exited by itself
    const result = await rush;
    expect(result.accepted).toBeGreaterThan(300);

    // After the pipeline drained (every order terminal, every mail recorded and read back).
    const report = await auditRun({ runId, ...auditTarget, drainTimeoutMs: 60_000 });
    expect(report.stillDraining).toBeNull();
    const doubled = report.violations.filter((v) => /: ([2-9]|\d\d+) \w+ emails$/.test(v));
    expect(doubled).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.emails.confirmation).toBe(report.orders.confirmed);
    expect(report.emails.receipt).toBe(report.orders.confirmed);
    expect(report.emails.rejection).toBe(report.orders.rejected);
  });
});
