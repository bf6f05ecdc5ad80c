import type { TopicName } from '@akaso/contracts';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Clock } from './clock.ts';
import type { CommitPolicy } from './commit-policy.ts';
import type { BatchHandler, ConsumerMetrics, Decode, Logger } from './delivery.ts';
import type { RetryOptions } from './errors.ts';
import type { Health } from './health.ts';

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: TopicName[];
  handler: BatchHandler;
  /** Publishes dead letters; must be an idempotent acks=all producer (createProducer). */
  producer: Producer;
  logger: Logger;
  retry?: Partial<RetryOptions>;
  /** Partitions fetched and handed over at once by this instance. */
  partitionsConsumedConcurrently?: number;
  /** Deliveries per handler call (one database transaction). */
  maxBatchSize?: number;
  /** Handler calls in flight at once (they never share a key). */
  maxInFlight?: number;
  /** The tick of a busy consumer (pacing.ts). */
  lingerMs?: number;
  metrics?: ConsumerMetrics;
  sessionTimeoutMs?: number;
  /** Manual commits after processing (the default); auto-commit only for workshop lab 4. */
  commitPolicy?: Partial<CommitPolicy>;
  /** Decodes a message value; defaults to the topic's contract (decodeEvent). For lab topics. */
  decode?: Decode;
  /**
   * Offsets are committed at most this often (one request for every partition that moved), and
   * on a graceful stop. A crash or rebalance redelivers at most this much, which the handlers'
   * eventId dedupe makes harmless.
   */
  commitIntervalMs?: number;
  /** kafkajs' long poll of a quiet consumer (maxWaitTimeInMs) and its fetch size. */
  fetch?: { maxWaitTimeInMs?: number; maxBytesPerPartition?: number };
  clock?: Clock;
}

export const consumerDefaults = {
  partitionsConsumedConcurrently: 12,
  maxBatchSize: 200,
  maxInFlight: 4,
  lingerMs: 150,
  commitIntervalMs: 1_000,
  // A member that dies (SIGKILL) holds its partitions until its session expires: short, with a
  // heartbeat every second (sent while a handler runs, waits or backs off), keeps a crash's
  // pause short.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  // A quiet consumer's fetch waits at the broker and answers with the first message: no latency
  // added, and an idle group costs one request per broker per wait.
  fetch: { maxWaitTimeInMs: 5_000, maxBytesPerPartition: 1_048_576 },
  // How long a graceful stop waits for handler calls in progress before leaving the group.
  stopTimeoutMs: 15_000,
} as const;

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Graceful: stop fetching, finish the work in hand, commit, leave the group. */
  stop(): Promise<void>;
  /** Readiness: member of its group, and not stuck behind a failing dependency. */
  health(): Health;
  readonly consumer: Consumer;
}
