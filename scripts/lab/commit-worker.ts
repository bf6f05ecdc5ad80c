/**
 * Lab 4's consumer: the shared consumer runner (packages/kafka) on a lab topic, in whichever
 * commit mode KAFKA_AUTO_COMMIT selects. It appends every message it handles to a file (synchronously,
 * so the record survives a crash) and SIGKILLs itself after LAB_CRASH_AFTER messages, as a crash would.
 *   LAB_TOPIC, LAB_GROUP, LAB_OUT, LAB_CRASH_AFTER (0 = never), LAB_MS_PER_MESSAGE
 */
import { appendFileSync } from 'node:fs';
import type { TopicName } from '@akaso/contracts';
import {
  commitPolicyFromEnv,
  createConsumerRunner,
  createKafka,
  createProducer,
  kafkaClientOptions,
  loadKafkaConfig,
  perDelivery,
} from '@akaso/kafka';
import { bootstrapServers } from '@akaso/stack-client';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`commit-worker: ${name} is required`);
  return v;
}
const topic = need('LAB_TOPIC') as TopicName;
const groupId = need('LAB_GROUP');
const out = need('LAB_OUT');
const crashAfter = Number(process.env.LAB_CRASH_AFTER ?? 0);
const msPerMessage = Number(process.env.LAB_MS_PER_MESSAGE ?? 20);

const kafka = createKafka(
  kafkaClientOptions(loadKafkaConfig('lab commit-worker', bootstrapServers), {
    clientId: `lab-commit-worker-${process.pid}`,
    logLevel: 'nothing',
  }),
);
const producer = createProducer(kafka);
await producer.connect();
const quiet = () => {};
let handled = 0;
const runner = createConsumerRunner({
  kafka,
  groupId,
  topics: [topic],
  // The crashed instance stays a member until its session expires: keep that short (broker minimum 6 s).
  sessionTimeoutMs: 6_000,
  producer,
  logger: {
    info: quiet,
    debug: quiet,
    warn: (o, m) => console.error(m, JSON.stringify(o)),
    error: (o, m) => console.error(m, JSON.stringify(o)),
  },
  decode: (_topic, value) => JSON.parse(value?.toString() ?? 'null') as unknown,
  // The lab's auto-commit switch (KAFKA_AUTO_COMMIT), read here: the library reads no environment.
  commitPolicy: commitPolicyFromEnv(process.env),
  // One message at a time, so "handled" is exact when the worker crashes itself.
  maxBatchSize: 1,
  handler: perDelivery(async ({ event }) => {
    await new Promise((r) => setTimeout(r, msPerMessage));
    appendFileSync(out, `${(event as unknown as { n: number }).n}\n`);
    handled++;
    if (crashAfter > 0 && handled >= crashAfter) process.kill(process.pid, 'SIGKILL');
  }),
});
process.once('SIGTERM', () => {
  void runner.stop().then(
    () => producer.disconnect().then(() => process.exit(0)),
    () => process.exit(1),
  );
});
await runner.start();
console.error(
  `commit-worker ${process.pid}: ${groupId} on ${topic}, auto-commit=${process.env.KAFKA_AUTO_COMMIT ?? 'false'}`,
);
