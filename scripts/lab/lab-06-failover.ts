import { randomUUID } from 'node:crypto';
import { describeClusterState } from '@akaso/kafka';
import { christmasStages, runRush } from '@akaso/load';
import { busiestLeader } from './analysis.ts';
import { auditLabRun, ensureLabTopic, type Lab, labKafka, labStack, until, withAdmin } from './lab.ts';
import { kafkaNodePids, killBroker, pipelineTopics, startBroker, waitFullIsr } from './stack-control.ts';

const strictTopic = 'lab.failover-strict';

/**
 * During a small rush, SIGKILL the broker that leads the most partitions: leaders move to the
 * survivors, the ISR shrinks to 2, acks=all with min.insync.replicas=2 keeps accepting, and the
 * audit proves nothing acknowledged was lost. A topic that needs 3 in-sync replicas refuses
 * writes meanwhile (what every topic would do with two brokers down). The broker comes back and
 * rejoins every ISR.
 */
export const lab: Lab = {
  id: 6,
  slug: 'replication-failover',
  title: 'Replication and failover',
  minutes: 25,
  async verify(report, log) {
    const kafka = labKafka();
    await waitFullIsr(kafka);
    await ensureLabTopic(kafka, strictTopic, 1, { 'min.insync.replicas': '3' });
    const before = await withAdmin(kafka, (a) => describeClusterState(a, pipelineTopics));
    const { brokerId: victim, counts } = busiestLeader(before.partitions);
    report.figure(
      'leaders per broker before',
      [...counts.entries()]
        .sort()
        .map(([b, n]) => `${b}:${n}`)
        .join(' '),
    );

    const runId = randomUUID().slice(0, 8);
    let sent = 0;
    const rush = runRush({
      baseUrl: labStack.api,
      mode: 'async',
      stages: christmasStages(8, 25, 2),
      users: 300,
      runId,
      onProgress: (p) => {
        sent = p.sent;
      },
    });
    // Awaited later; marked handled now so a failure meanwhile is not an unhandled rejection.
    rush.catch(() => undefined);
    let restarted = false;
    try {
      await until('the rush to get going', async () => sent >= 15, 30_000, 200);
      log(`killing kafka-${victim} (leads ${counts.get(victim)} partitions) during the rush…`);
      await killBroker(victim);
      const killedAt = Date.now();
      const moved = await until(
        `leadership to move off kafka-${victim}`,
        () =>
          withAdmin(kafka, async (a) => {
            const s = await describeClusterState(a, pipelineTopics);
            return s.partitions.every((p) => p.leader !== victim && p.leader >= 0) &&
              s.partitions.every((p) => !p.isr.includes(victim))
              ? s
              : null;
          }),
        90_000,
        1_000,
      );
      report.figure(
        'new leaders elected and ISR shrunk within (s)',
        ((Date.now() - killedAt) / 1000).toFixed(1),
      );
      report.check(
        'leader election: every partition led by a survivor',
        moved.partitions.every((p) => p.leader !== victim),
        `${before.partitions.filter((p) => p.leader === victim).length} partitions moved off kafka-${victim}`,
      );
      report.check(
        'ISR shrank to the two survivors',
        moved.partitions.every((p) => p.isr.length === 2),
        `min ISR size ${Math.min(...moved.partitions.map((p) => p.isr.length))}`,
      );

      // A probe without retries (hence not idempotent), so the broker's refusal shows at once.
      const strict = kafka.producer({
        idempotent: false,
        allowAutoTopicCreation: false,
        retry: { retries: 0 },
      });
      await strict.connect();
      let refusal = '';
      try {
        await strict.send({ topic: strictTopic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
      } catch (err) {
        const e = err as {
          type?: string;
          message?: string;
          originalError?: { type?: string; message?: string };
        };
        refusal = [e.type ?? e.originalError?.type, e.message, e.originalError?.message]
          .filter(Boolean)
          .join(': ');
      } finally {
        await strict.disconnect();
      }
      report.check(
        'a topic needing 3 in-sync replicas refuses acks=all writes (as all would with 2 brokers down)',
        /NOT_ENOUGH_REPLICAS|fewer in-sync replicas/i.test(refusal),
        refusal.slice(0, 140) || 'the write was accepted',
      );
      log(`restarting kafka-${victim}…`);
      await startBroker(victim);
      restarted = true;
      const result = await rush;
      report.figure(
        'rush: sent / accepted / refused / failed',
        `${result.sent} / ${result.accepted} / ${result.refused} / ${result.failed}`,
      );
      report.check(
        'the API kept answering during the failover',
        result.failed === 0 && result.accepted > 0,
        `${result.failed} failed`,
      );
    } catch (err) {
      // Leave the stack healthy even when the experiment failed half-way: broker back, full ISR.
      if (!restarted && kafkaNodePids()[victim - 1] === null) await startBroker(victim);
      await rush.catch(() => undefined);
      await waitFullIsr(kafka).catch(() => undefined);
      throw err;
    }
    log('waiting for every partition to be back to 3 in-sync replicas…');
    const healed = await waitFullIsr(kafka, [...pipelineTopics, strictTopic]);
    report.check(
      `kafka-${victim} rejoined every ISR`,
      healed.partitions.every((p) => p.isr.length === 3),
    );
    log('auditing the run (every accepted order terminal, exactly once)…');
    const audit = await auditLabRun(report, runId, 180_000);
    report.check(
      'nothing acknowledged was lost or doubled (the audit)',
      audit.ok,
      audit.violations.slice(0, 3).join('; ') || 'no violation',
    );
  },
};
