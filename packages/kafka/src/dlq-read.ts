import { randomUUID } from 'node:crypto';
import { dlqTopic, headers as h, type TopicName } from '@akaso/contracts';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { withAdmin } from './client.ts';

/**
 * The consumer group `replayDeadLetters` commits through: its committed offset on a DLQ partition
 * is the first message not replayed yet. Listing and replaying read the same mark, so a view of
 * what is "waiting" is empty right after a replay, while the DLQ topic keeps its history.
 */
export const dlqReplayGroup = (topic: TopicName): string => `dlq-replay.${topic}`;

/** One DLQ partition: its log's bounds, what has been replayed, what is waiting. */
export interface DlqPartitionBacklog {
  partition: number;
  /** The oldest offset still in the log (retention may have deleted older ones). */
  low: bigint;
  /** The offset the next dead letter will get. */
  high: bigint;
  /** The first offset a replay has not moved back yet (the replay group's commit, or `low`). */
  from: bigint;
  waiting: number;
}

export interface DlqBacklog {
  topic: TopicName;
  dlq: string;
  /** Messages in the DLQ topic's log, replayed or not. */
  total: number;
  /** Messages a replay would move back now. */
  waiting: number;
  partitions: DlqPartitionBacklog[];
}

/**
 * Where "waiting" starts on each partition: after the replay group's committed offset, never
 * before the log's start (a commit older than retention points at deleted messages), never past
 * its end. Pure: the admin answers in, the backlog out.
 */
export function dlqBacklog(
  topic: TopicName,
  offsets: readonly { partition: number; low: string; high: string }[],
  committed: readonly { partition: number; offset: string }[],
): DlqBacklog {
  const commits = new Map(committed.map((c) => [c.partition, c.offset]));
  const partitions = [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map((o): DlqPartitionBacklog => {
      const low = BigInt(o.low);
      const high = BigInt(o.high);
      const commit = commits.get(o.partition);
      // Kafka answers -1 for "no committed offset".
      const mark = commit !== undefined && commit !== '-1' ? BigInt(commit) : low;
      const from = mark < low ? low : mark > high ? high : mark;
      return { partition: o.partition, low, high, from, waiting: Number(high - from) };
    });
  return {
    topic,
    dlq: dlqTopic(topic),
    total: partitions.reduce((n, p) => n + Number(p.high - p.low), 0),
    waiting: partitions.reduce((n, p) => n + p.waiting, 0),
    partitions,
  };
}

/** A DLQ's backlog from the cluster: its partitions' offsets and the replay group's commits. */
export async function readDlqBacklog(admin: Admin, topic: TopicName): Promise<DlqBacklog> {
  const dlq = dlqTopic(topic);
  const [offsets, committed] = await Promise.all([
    admin.fetchTopicOffsets(dlq),
    admin.fetchOffsets({ groupId: dlqReplayGroup(topic), topics: [dlq] }),
  ]);
  return dlqBacklog(topic, offsets, committed[0]?.partitions ?? []);
}

/**
 * Per partition, the offsets to read for the newest `limit` waiting messages: at most `limit` from
 * each partition (the newest `limit` overall are among them), none already replayed.
 */
export function dlqReadPlan(
  backlog: DlqBacklog,
  limit: number,
): { partition: number; from: bigint; to: bigint }[] {
  return backlog.partitions
    .filter((p) => p.waiting > 0)
    .map((p) => {
      const newest = p.high - BigInt(limit);
      return { partition: p.partition, from: newest > p.from ? newest : p.from, to: p.high };
    });
}

/** One dead letter as people read it: why it failed, where it came from, what it carried. */
export interface DeadLetter {
  partition: number;
  offset: string;
  /** When it was written to the DLQ (the record's timestamp), ISO 8601. */
  timestamp: string;
  key: string | null;
  /** The value as UTF-8, cut at `maxValueChars`. */
  value: string;
  valueBytes: number;
  truncated: boolean;
  error: string | null;
  errorCode: string | null;
  origin: { topic: string; partition: number; offset: string } | null;
  consumerGroup: string | null;
  attempts: number | null;
  failedAt: string | null;
  /** Every header, the DLQ's own and the original message's (correlation id, traceparent…). */
  headers: Record<string, string>;
}

const headerText = (v: Buffer | string | (Buffer | string)[] | undefined): string | undefined => {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((x) => x.toString()).join(', ');
  return v.toString();
};

/** A DLQ record as a DeadLetter (pure: the record in, the readable form out). */
export function toDeadLetter(partition: number, message: KafkaMessage, maxValueChars = 2_000): DeadLetter {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    const text = headerText(v);
    if (text !== undefined) headers[k] = text;
  }
  const value = message.value?.toString('utf8') ?? '';
  const originTopic = headers[h.dlqOriginTopic];
  const originPartition = Number(headers[h.dlqOriginPartition]);
  const attempts = Number(headers[h.dlqAttempts]);
  return {
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key ? message.key.toString('utf8') : null,
    value: value.length > maxValueChars ? value.slice(0, maxValueChars) : value,
    valueBytes: message.value?.length ?? 0,
    truncated: value.length > maxValueChars,
    error: headers[h.dlqError] ?? null,
    errorCode: headers[h.dlqErrorCode] ?? null,
    origin:
      originTopic !== undefined && Number.isInteger(originPartition)
        ? { topic: originTopic, partition: originPartition, offset: headers[h.dlqOriginOffset] ?? '' }
        : null,
    consumerGroup: headers[h.dlqConsumerGroup] ?? null,
    attempts: Number.isInteger(attempts) ? attempts : null,
    failedAt: headers[h.dlqFailedAt] ?? null,
    headers,
  };
}

export interface DeadLetterList extends DlqBacklog {
  /** The newest waiting messages, newest first, at most `limit`. */
  messages: DeadLetter[];
  /** False when the read timed out before every planned message arrived (the list is partial). */
  complete: boolean;
}

/**
 * The messages waiting in `<topic>.dlq` (not replayed yet), newest first, at most `limit`.
 * Reads without committing, through a throwaway consumer group (kafkajs reads only through a
 * group): the replay group's mark and every service's offsets stay untouched. Bounded by
 * `timeoutMs`: a slow cluster gives a partial list (`complete: false`), never a hung request.
 */
export async function readDeadLetters(args: {
  kafka: Kafka;
  topic: TopicName;
  limit?: number;
  timeoutMs?: number;
  maxValueChars?: number;
}): Promise<DeadLetterList> {
  const { kafka, topic } = args;
  const limit = args.limit ?? 100;
  const backlog = await withAdmin(kafka, (admin) => readDlqBacklog(admin, topic));
  const plan = dlqReadPlan(backlog, limit);
  if (plan.length === 0) return { ...backlog, messages: [], complete: true };

  const ends = new Map(plan.map((p) => [p.partition, p]));
  const pending = new Set(plan.map((p) => p.partition));
  const messages: DeadLetter[] = [];
  const consumer = kafka.consumer({
    groupId: `akaso-dlq-read-${randomUUID()}`,
    allowAutoTopicCreation: false,
    // Nobody else joins this group: no need to wait for other members.
    rebalanceTimeout: 5_000,
    // A DLQ is quiet: an empty fetch should come back at once, not hold the read for kafkajs' 5 s.
    maxWaitTimeInMs: 100,
  });
  let done: () => void = () => {};
  const allRead = new Promise<void>((resolve) => {
    done = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), args.timeoutMs ?? 10_000);
  });
  try {
    const reading = (async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: backlog.dlq, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = ends.get(partition);
          if (!range) return;
          const offset = BigInt(message.offset);
          if (offset >= range.from && offset < range.to) {
            messages.push(toDeadLetter(partition, message, args.maxValueChars));
          }
          if (offset + 1n >= range.to) pending.delete(partition);
          if (pending.size === 0) done();
        },
      });
      for (const p of plan)
        consumer.seek({ topic: backlog.dlq, partition: p.partition, offset: String(p.from) });
      await allRead;
      return true as const;
    })();
    const complete = await Promise.race([reading, timedOut]);
    reading.catch(() => {}); // a late failure after the timeout has nobody to tell
    messages.sort(
      (a, b) => b.timestamp.localeCompare(a.timestamp) || Number(BigInt(b.offset) - BigInt(a.offset)),
    );
    return { ...backlog, messages: messages.slice(0, limit), complete };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}
