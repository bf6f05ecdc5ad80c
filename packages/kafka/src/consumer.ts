import { decodeEvent, type EventOf, headers as h, type TopicName } from '@akaso/contracts';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { ACKS_ALL } from './client.ts';
import { type CommitPolicy, commitPolicyFromEnv } from './commit-policy.ts';
import { dlqMessage } from './dlq.ts';
import { backoffMs, classifyError, type RetryOptions, retryDefaults } from './errors.ts';
import { runKeyed } from './keyed.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface MessageContext {
  topic: TopicName;
  partition: number;
  offset: string;
  key: string | null;
  correlationId: string;
  headers: Record<string, string>;
  /** Keeps the group membership alive during a long side effect. */
  heartbeat(): Promise<void>;
}

export type EventHandler = <T extends TopicName>(
  topic: T,
  event: EventOf<T>,
  ctx: MessageContext,
) => Promise<void>;

export interface ConsumerMetrics {
  onProcessed?(info: {
    topic: string;
    partition: number;
    durationMs: number;
    outcome: 'ok' | 'dead-lettered';
  }): void;
  onRetry?(info: { topic: string; partition: number; attempt: number; code: string }): void;
  onBatch?(info: { topic: string; partition: number; lag: number }): void;
  onRebalance?(info: { groupId: string; memberId: string; assigned: Record<string, number[]> }): void;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: TopicName[];
  handler: EventHandler;
  /** Publishes dead letters; must be an idempotent acks=all producer (createProducer). */
  producer: Producer;
  logger: Logger;
  retry?: Partial<RetryOptions>;
  /** Partitions handled in parallel by this instance. */
  partitionsConsumedConcurrently?: number;
  /**
   * Messages of different keys handled at once inside one partition (never two of one key:
   * each user's events stay in order). 1 = one message at a time per partition.
   */
  keyConcurrency?: number;
  metrics?: ConsumerMetrics;
  sessionTimeoutMs?: number;
  /**
   * Manual commits after processing (the default). Auto-commit exists only to show its pitfall
   * (workshop lab 4); without this option the runner reads KAFKA_AUTO_COMMIT (default off).
   */
  commitPolicy?: Partial<CommitPolicy>;
  /** Decodes a message value; defaults to the topic's contract (decodeEvent). For lab topics. */
  decode?: (topic: TopicName, value: Buffer | null) => unknown;
}

export const consumerDefaults = {
  // One in flight per partition (12): a handler waiting on a slow third party (a 300 ms card
  // charge) then holds up only its own partition. Order within a partition is kept.
  partitionsConsumedConcurrently: 12,
  // …and inside a partition, up to 4 users' messages at once: with 12 partitions and a 300 ms
  // third party that is 160 messages/s per instance instead of 40.
  keyConcurrency: 4,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
} as const;

export function headersToRecord(raw: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Graceful: stop fetching, finish the message in hand, commit, leave the group. */
  stop(): Promise<void>;
  readonly consumer: Consumer;
}

/**
 * At-least-once consumption with manual commits: an offset is committed only after its handler
 * succeeded (or its message was safely dead-lettered with acks=all), so a crash redelivers and
 * never skips. Handlers make redelivery harmless by recording eventIds (packages/outbox).
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const retry = { ...retryDefaults, ...opts.retry };
  const { logger, metrics, groupId } = opts;
  const commit = { ...commitPolicyFromEnv(process.env), ...opts.commitPolicy };
  const decode = opts.decode ?? decodeEvent;
  if (commit.autoCommit) {
    logger.warn(
      { groupId, intervalMs: commit.autoCommitIntervalMs },
      'AUTO-COMMIT is on: a crash can lose or repeat messages',
    );
  }
  const consumer = opts.kafka.consumer({
    groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? consumerDefaults.sessionTimeoutMs,
    heartbeatInterval: consumerDefaults.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
  });

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = e.payload.memberAssignment as Record<string, number[]>;
    logger.info({ groupId, memberId: e.payload.memberId, assigned }, 'joined consumer group');
    metrics?.onRebalance?.({ groupId, memberId: e.payload.memberId, assigned });
  });

  async function deadLetter(
    topic: TopicName,
    partition: number,
    message: KafkaMessage,
    err: unknown,
    attempts: number,
    correlationId: string,
  ): Promise<void> {
    const classified = classifyError(err);
    await opts.producer.send({
      acks: ACKS_ALL,
      ...dlqMessage({ topic, partition, message, groupId, error: classified, attempts }),
    });
    logger.error(
      {
        topic,
        partition,
        offset: message.offset,
        groupId,
        code: classified.code,
        err: classified.message,
        attempts,
        correlationId,
      },
      'message dead-lettered',
    );
  }

  async function processOne(
    topic: TopicName,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ) {
    const started = performance.now();
    const record = headersToRecord(message.headers);
    const ctx: MessageContext = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      correlationId: record[h.correlationId] ?? '',
      headers: record,
      heartbeat,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const event = decode(topic, message.value) as EventOf<typeof topic>;
        await opts.handler(topic, event, ctx);
        metrics?.onProcessed?.({ topic, partition, durationMs: performance.now() - started, outcome: 'ok' });
        return;
      } catch (err) {
        const classified = classifyError(err);
        if (!classified.retriable || attempt >= retry.maxAttempts) {
          await deadLetter(topic, partition, message, err, attempt, ctx.correlationId);
          metrics?.onProcessed?.({
            topic,
            partition,
            durationMs: performance.now() - started,
            outcome: 'dead-lettered',
          });
          return;
        }
        metrics?.onRetry?.({ topic, partition, attempt, code: classified.code });
        logger.warn(
          {
            topic,
            partition,
            offset: message.offset,
            attempt,
            code: classified.code,
            err: classified.message,
          },
          'retrying',
        );
        // Sleep in slices with heartbeats so a long backoff does not cost the group membership.
        let remaining = backoffMs(attempt, retry);
        while (remaining > 0) {
          const slice = Math.min(remaining, 1_000);
          await sleep(slice);
          remaining -= slice;
          await heartbeat();
        }
      }
    }
  }

  return {
    consumer,
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: commit.autoCommit,
        ...(commit.autoCommit ? { autoCommitInterval: commit.autoCommitIntervalMs } : {}),
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently:
          opts.partitionsConsumedConcurrently ?? consumerDefaults.partitionsConsumedConcurrently,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          isRunning,
          isStale,
          commitOffsetsIfNecessary,
        }) => {
          const topic = batch.topic as TopicName;
          metrics?.onBatch?.({ topic, partition: batch.partition, lag: Number(batch.offsetLag()) });
          if (commit.autoCommit && batch.messages.length > 0) {
            // The pitfall, as the Java client's enable.auto.commit does it: the position that gets
            // committed is everything fetched, on a timer, not what has been processed.
            resolveOffset(batch.lastOffset());
          }
          let lastDone: string | null = null;
          const { error } = await runKeyed(batch.messages, {
            concurrency: opts.keyConcurrency ?? consumerDefaults.keyConcurrency,
            keyOf: (m) => m.key?.toString('latin1') ?? '',
            process: (m) => processOne(topic, batch.partition, m, heartbeat),
            // On shutdown or rebalance, start nothing new; what is in hand finishes and is committed.
            shouldStop: () => !isRunning() || isStale(),
            onPrefix: (i) => {
              if (commit.autoCommit) return; // the timer commits what was fetched, not what is done
              const offset = batch.messages[i]?.offset;
              if (offset === undefined) return;
              resolveOffset(offset);
              lastDone = offset;
            },
            onSettled: async () => {
              if (commit.autoCommit) await commitOffsetsIfNecessary();
              await heartbeat();
            },
          });
          // Only the prefix that is done is committed; after a failure the rest is redelivered.
          if (lastDone !== null && !isStale()) {
            // Commit after the side effects: at-least-once; the next offset is the one to read.
            await consumer.commitOffsets([
              { topic, partition: batch.partition, offset: (BigInt(lastDone) + 1n).toString() },
            ]);
          }
          if (error) throw error;
        },
      });
    },
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
