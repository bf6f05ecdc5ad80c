import { dlqTopic, headers as h, type TopicName } from '@akaso/contracts';
import type { Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { ACKS_ALL } from './client.ts';
import { dlqReplayGroup } from './dlq-read.ts';
import type { ClassifiedError } from './errors.ts';

/** The original bytes and key, the original headers, and why/where it failed. */
export function dlqMessage(args: {
  topic: TopicName;
  partition: number;
  message: KafkaMessage;
  groupId: string;
  error: ClassifiedError;
  attempts: number;
}): { topic: string; messages: Message[] } {
  const { topic, partition, message, groupId, error, attempts } = args;
  return {
    topic: dlqTopic(topic),
    messages: [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [h.dlqError]: error.message.slice(0, 2_000),
          [h.dlqErrorCode]: error.code,
          [h.dlqOriginTopic]: topic,
          [h.dlqOriginPartition]: String(partition),
          [h.dlqOriginOffset]: message.offset,
          [h.dlqConsumerGroup]: groupId,
          [h.dlqAttempts]: String(attempts),
          [h.dlqFailedAt]: new Date().toISOString(),
        },
      },
    ],
  };
}

const dlqHeaderNames = new Set<string>([
  h.dlqError,
  h.dlqErrorCode,
  h.dlqOriginTopic,
  h.dlqOriginPartition,
  h.dlqOriginOffset,
  h.dlqConsumerGroup,
  h.dlqAttempts,
  h.dlqFailedAt,
]);

/**
 * Moves every message currently in `<topic>.dlq` back to `<topic>` (after a fix), then stops.
 * Uses its own consumer group so a replay resumes where an interrupted one stopped, and commits
 * each message only after it was re-published with acks=all: nothing is lost, at worst repeated
 * (consumers are idempotent).
 */
export async function replayDeadLetters(args: {
  kafka: Kafka;
  producer: Producer;
  topic: TopicName;
  timeoutMs?: number;
}): Promise<{ replayed: number }> {
  const { kafka, producer, topic } = args;
  const source = dlqTopic(topic);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = dlqReplayGroup(topic);
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(source);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let replayed = 0;
  const done = new Set<number>();
  const finished = () => [...ends.entries()].every(([p, end]) => end === 0n || done.has(p));
  await consumer.connect();
  await consumer.subscribe({ topic: source, fromBeginning: true });
  let resolveAll: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const end = ends.get(partition) ?? 0n;
      if (BigInt(message.offset) < end) {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).filter(([k]) => !dlqHeaderNames.has(k)),
        );
        await producer.send({
          topic,
          acks: ACKS_ALL,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: { ...headers, [h.dlqReplayedAt]: new Date().toISOString() },
            },
          ],
        });
        replayed++;
        await consumer.commitOffsets([
          { topic: source, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
      }
      if (BigInt(message.offset) + 1n >= end) done.add(partition);
      if (finished()) resolveAll();
    },
  });
  // Partitions whose committed offset is already at the end produce no message: check them.
  const admin2 = kafka.admin();
  await admin2.connect();
  try {
    const committed = await admin2.fetchOffsets({ groupId, topics: [source] });
    for (const p of committed[0]?.partitions ?? []) {
      const end = ends.get(p.partition) ?? 0n;
      if (p.offset !== '-1' && BigInt(p.offset) >= end) done.add(p.partition);
    }
  } finally {
    await admin2.disconnect();
  }
  if (finished()) resolveAll();
  const timeout = new Promise<void>((_, reject) =>
    setTimeout(
      () => reject(new Error(`replay of ${source} did not finish in time`)),
      args.timeoutMs ?? 60_000,
    ).unref(),
  );
  try {
    await Promise.race([allDone, timeout]);
  } finally {
    await consumer.disconnect();
  }
  return { replayed };
}
