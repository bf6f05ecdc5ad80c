import { describe, expect, it } from 'vitest';
import { createConsumerRunner } from '../../src/consumer.ts';
import { defectCases } from './defect-cases.ts';
import type { Scenario } from './scenario.ts';
import { runSchedule, type SimDeps } from './simulation.ts';

const deps: SimDeps = { createConsumerRunner };

async function violationOf(scenario: Scenario): Promise<string | null> {
  const r = await runSchedule(scenario, deps, { record: true });
  if (r.violation) return `${r.violation}\n${(r.trace ?? []).slice(-60).join('\n')}`;
  return null;
}

// Each case is one schedule that broke an invariant before its fix (see defect-cases.ts).
describe.each([2, 150])('known defects, linger %i ms', (lingerMs) => {
  it('a heartbeat failing in a retry pause, the generation unchanged, does not freeze the partition', async () => {
    expect(await violationOf(defectCases.frozenByHeartbeat(lingerMs))).toBeNull();
  });

  it('a dead letter that cannot be published for a while does not freeze the partition', async () => {
    expect(await violationOf(defectCases.frozenByDeadLetter(lingerMs))).toBeNull();
  });

  it('a commit failing for longer than kafkajs retries it is made good once commits pass', async () => {
    expect(await violationOf(defectCases.droppedCommit(lingerMs))).toBeNull();
  });

  it('a commit retried across a rebalance does not move a partition back', async () => {
    expect(await violationOf(defectCases.staleCommit(lingerMs))).toBeNull();
  });
});
