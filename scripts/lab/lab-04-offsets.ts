import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryOutcome } from './analysis.ts';
import {
  endOffsets,
  ensureLabTopic,
  type Kafka,
  type Lab,
  type LabReport,
  labId,
  labKafka,
  until,
  withAdmin,
  withProducer,
} from './lab.ts';

const topic = 'lab.commits';
const count = 200;
const crashAfter = 100;
const worker = join(import.meta.dirname, 'commit-worker.ts');

type Mode = 'auto' | 'manual';

function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=development', worker], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
    else child.once('exit', (code, sig) => resolve(sig ?? code));
  });

async function committed(kafka: Kafka, groupId: string): Promise<bigint> {
  return withAdmin(kafka, async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(t?.partitions[0]?.offset ?? '-1');
  });
}

/**
 * One round: 200 messages, a consumer that crashes (SIGKILL) after handling 100 of them, then a
 * fresh instance of the same group that runs until the group has committed the end of the topic.
 */
async function round(kafka: Kafka, mode: Mode, report: LabReport, log: (l: string) => void) {
  const groupId = `lab4-${mode}-${labId()}`;
  const dir = mkdtempSync(join(tmpdir(), 'akaso-lab4-'));
  const out = join(dir, 'handled.txt');
  try {
    // A new group starts where the topic ends now, so earlier rounds' messages do not count.
    const [end] = [...(await endOffsets(kafka, topic)).values()];
    await withAdmin(kafka, (a) =>
      a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: end ?? '0' }] }),
    );
    const produced = Array.from({ length: count }, (_, n) => n);
    await withProducer(kafka, (p) =>
      p.send({
        topic,
        acks: -1,
        messages: produced.map((n) => ({ key: 'lab4', value: JSON.stringify({ n }) })),
      }),
    );
    const target = BigInt(end ?? '0') + BigInt(count);
    const env = {
      LAB_TOPIC: topic,
      LAB_GROUP: groupId,
      LAB_OUT: out,
      LAB_MS_PER_MESSAGE: '20',
      KAFKA_AUTO_COMMIT: mode === 'auto' ? 'true' : 'false',
      KAFKA_AUTO_COMMIT_INTERVAL_MS: '500',
    };
    log(`${mode} commit: consumer 1 handles ${crashAfter} of ${count} messages, then crashes (SIGKILL)…`);
    const first = startWorker({ ...env, LAB_CRASH_AFTER: String(crashAfter) });
    const how = await Promise.race([
      exited(first),
      new Promise((r) => setTimeout(() => r('timeout'), 90_000)),
    ]);
    if (how !== 'SIGKILL') {
      first.kill('SIGKILL');
      throw new Error(`the ${mode} worker did not crash as planned (${String(how)})`);
    }
    const committedAtCrash = await committed(kafka, groupId);
    log(`${mode} commit: restarting the consumer in the same group…`);
    const second = startWorker({ ...env, LAB_CRASH_AFTER: '0' });
    try {
      await until(
        `group ${groupId} to commit the end of ${topic}`,
        async () => (await committed(kafka, groupId)) >= target,
        90_000,
        500,
      );
    } finally {
      second.kill('SIGTERM');
      await Promise.race([exited(second), new Promise((r) => setTimeout(r, 20_000))]);
      if (second.exitCode === null && second.signalCode === null) second.kill('SIGKILL');
    }
    const handled = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    const outcome = deliveryOutcome(produced, handled);
    const atCrash = Number(committedAtCrash - BigInt(end ?? '0'));
    report.figure(
      `${mode}: committed at the crash (of ${count}, after handling ${crashAfter})`,
      committedAtCrash < 0n ? 'nothing' : atCrash,
    );
    report.figure(`${mode}: lost / handled twice`, `${outcome.lost.length} / ${outcome.duplicates}`);
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same crash in both commit modes of the shared consumer runner. Auto-commit commits what was
 * fetched on a timer: the crash loses what was fetched but not handled. Manual commit after
 * processing loses nothing; it may handle some messages twice, which idempotent handlers absorb.
 */
export const lab: Lab = {
  id: 4,
  slug: 'offsets-and-commits',
  title: 'Offsets and commits',
  minutes: 25,
  async verify(report, log) {
    const kafka = labKafka();
    await ensureLabTopic(kafka, topic, 1);
    const auto = await round(kafka, 'auto', report, log);
    report.check(
      'auto-commit: the crash lost or repeated messages',
      auto.lost.length > 0 || auto.duplicates > 0,
      `${auto.lost.length} lost, ${auto.duplicates} handled twice`,
    );
    const manual = await round(kafka, 'manual', report, log);
    report.check(
      'manual commit after processing: nothing lost',
      manual.lost.length === 0,
      `${manual.lost.length} lost`,
    );
    report.check(
      'manual commit: every message handled, repeats only (deduplicated by eventId in the services)',
      manual.distinct === count,
      `${manual.distinct} distinct of ${count}, ${manual.duplicates} redelivered`,
    );
  },
};
