import { decodeEvent, type EventOf, headers as h, type TopicName } from '@akaso/contracts';
import { traceBatch } from '@akaso/observability';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { createBatcher, type Part } from './batcher.ts';
import { ACKS_ALL } from './client.ts';
import { type CommitPolicy, commitPolicyDefaults } from './commit-policy.ts';
import { createCommitter } from './committer.ts';
import { dlqMessage } from './dlq.ts';
import { type ClassifiedError, classifyError, type RetryOptions } from './errors.ts';
import { createOffsetTracker, type OffsetTicket } from './offset-tracker.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** One consumed message, decoded against its topic's contract. */
export interface Delivery<T extends TopicName = TopicName> {
  topic: T;
  partition: number;
  offset: string;
  key: string | null;
  event: EventOf<T>;
  correlationId: string;
  headers: Record<string, string>;
}

export interface BatchContext {
  /** Keeps the group membership alive during a long side effect (a slow card provider). */
  heartbeat(): Promise<void>;
}

/**
 * Applies a batch of deliveries (several partitions' messages, each partition's in offset
 * order) all at once — one database transaction — or throws. Thrown errors decide what happens
 * (errors.ts): transient → the same batch again after a backoff; anything else → one delivery
 * at a time, the one that still fails to the dead-letter topic.
 */
export type BatchHandler = (deliveries: Delivery[], ctx: BatchContext) => Promise<void>;

/** A handler of one delivery at a time, as a BatchHandler (labs, simple consumers). */
export const perDelivery =
  (fn: (delivery: Delivery, ctx: BatchContext) => Promise<void>): BatchHandler =>
  async (deliveries, ctx) => {
    for (const d of deliveries) await fn(d, ctx);
  };

export interface ConsumerMetrics {
  onProcessed?(info: { topic: string; count: number; outcome: 'ok' | 'dead-lettered' }): void;
  onApplied?(info: { count: number; durationMs: number }): void;
  onRetry?(info: { code: string; kind: string; attempt: number }): void;
  onBatch?(info: { topic: string; partition: number; lag: number }): void;
  onRebalance?(info: { groupId: string; memberId: string; assigned: Record<string, number[]> }): void;
}

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
  /** Handler calls in flight at once (each holds different partitions). */
  maxInFlight?: number;
  /** How long the first fetched partition waits for the others of the same fetch. */
  lingerMs?: number;
  metrics?: ConsumerMetrics;
  sessionTimeoutMs?: number;
  /**
   * Manual commits after processing (the default). Auto-commit exists only to show its pitfall
   * (workshop lab 4).
   */
  commitPolicy?: Partial<CommitPolicy>;
  /** Decodes a message value; defaults to the topic's contract (decodeEvent). For lab topics. */
  decode?: (topic: TopicName, value: Buffer | null) => unknown;
  /**
   * Offsets are committed at most this often (one request for every partition that moved), and
   * on a graceful stop. Each commit is a replicated write; a crash or rebalance redelivers at most
   * this much, which the handlers' eventId dedupe makes harmless.
   */
  commitIntervalMs?: number;
  /** Fetch tuning (kafkajs' minBytes / maxWaitTimeInMs). */
  fetch?: { minBytes?: number; maxWaitTimeInMs?: number; maxBytesPerPartition?: number };
}

export const consumerDefaults = {
  // Every partition this instance owns is fetched and handed over at once; the batcher joins
  // what arrived within lingerMs into one handler call.
  partitionsConsumedConcurrently: 12,
  maxBatchSize: 200,
  maxInFlight: 4,
  lingerMs: 2,
  // Offsets of every partition that moved, committed together at most once a second.
  commitIntervalMs: 1_000,
  // A member that dies (SIGKILL) holds its partitions until its session expires: with 30 s a
  // restarted instance waited ~28 s to rejoin (measured). 10 s, with a heartbeat every second
  // (sent while a handler runs, waits or backs off), keeps a crash's pause short.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  // An idle partition's fetch waits at the broker (long poll) and answers as soon as one
  // message arrives: no latency added, and an idle group costs a request per 5 s per broker.
  fetch: { minBytes: 1, maxWaitTimeInMs: 5_000, maxBytesPerPartition: 1_048_576 },
} as const;

/** Lingers from which fetches are held at the broker (below, a tick would be a few ms). */
export const HELD_FETCH_MIN_LINGER_MS = 60;
/** A held fetch answers this long before its tick, so its messages make the tick's pass. */
export const HELD_FETCH_MARGIN_MS = 15;
/**
 * A held fetch's minBytes: more than a tick brings at the rates this pipeline sees, so the
 * broker answers at the tick; a backlog (a consumer catching up) fills it at once and is
 * fetched without waiting.
 */
export const HELD_FETCH_MIN_BYTES = 1_048_576;

/** The first tick (a multiple of lingerMs on the clock) at or after t. */
export const tickAfter = (t: number, lingerMs: number) => Math.ceil(t / lingerMs) * lingerMs;

/**
 * The wait of the next fetch in held mode: null (the configured long poll) when nothing was
 * fetched for two lingers, else until a margin before the next tick (the one after, when the
 * next is too close to be worth a request).
 */
export function heldFetchWait(
  now: number,
  lastFetchedAt: number,
  lingerMs: number,
): { maxWaitTime: number; minBytes: number } | null {
  if (now - lastFetchedAt > 2 * lingerMs) return null;
  let tick = tickAfter(now, lingerMs);
  if (tick - now < 2 * HELD_FETCH_MARGIN_MS) tick += lingerMs;
  return { maxWaitTime: tick - HELD_FETCH_MARGIN_MS - now, minBytes: HELD_FETCH_MIN_BYTES };
}

export function headersToRecord(raw: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

export interface ConsumerHealth {
  ok: boolean;
  detail: string;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Graceful: stop fetching, finish the work in hand, commit, leave the group. */
  stop(): Promise<void>;
  /** Readiness: member of its group, and not stuck behind a failing dependency. */
  health(): ConsumerHealth;
  readonly consumer: Consumer;
}

/** How long a dependency may fail before readiness says so. */
const UNHEALTHY_AFTER_MS = 5_000;

interface Item {
  delivery: Delivery;
  message: KafkaMessage;
}

/**
 * At-least-once consumption with manual commits, a batch at a time: offsets are committed only
 * after the handler applied their messages (or a message was safely dead-lettered with
 * acks=all), so a crash redelivers and never skips. Handlers make redelivery harmless by
 * recording eventIds in the same transaction as their effects (packages/outbox).
 *
 * Concurrency is per key, not per partition: a fetched batch is handed to the batcher and the
 * partition's next fetch may leave while it is applied. The batcher keeps each key's messages in
 * order and out of concurrent calls; the offset tracker commits a partition only over an unbroken
 * run of finished parts. So a 300 ms card charge holds that user's later messages, not the
 * partition's other users, nor the other partitions kafkajs fetched from the same broker.
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const { logger, metrics, groupId } = opts;
  const commit = { ...commitPolicyDefaults, ...opts.commitPolicy };
  const decode = opts.decode ?? decodeEvent;
  const fetch = { ...consumerDefaults.fetch, ...opts.fetch };
  if (commit.autoCommit) {
    logger.warn(
      { groupId, intervalMs: commit.autoCommitIntervalMs },
      'AUTO-COMMIT is on: a crash can lose or repeat messages',
    );
  }
  const lingerMs = opts.lingerMs ?? consumerDefaults.lingerMs;
  // Held fetches (a linger of 60 ms or more). While messages keep coming, a fetch does not come
  // back with the first one: it waits at the broker until shortly before the next tick (the
  // clock's multiples of lingerMs) and brings everything that arrived meanwhile, and the batcher
  // passes at the tick, one handler call for every broker's answer. One fetch per broker and
  // linger instead of one per arrival; each is a request the broker serves and, in
  // `pnpm bench --realistic`, the consumers' fetches were 1.2 requests per order. A consumer
  // that has seen nothing for two lingers long-polls instead (minBytes 1): the first message after
  // a quiet spell is fetched and handled at once, as before.
  const held = lingerMs >= HELD_FETCH_MIN_LINGER_MS;
  let lastFetchedAt = Number.NEGATIVE_INFINITY;
  const consumer = opts.kafka.consumer({
    groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? consumerDefaults.sessionTimeoutMs,
    heartbeatInterval: consumerDefaults.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    minBytes: fetch.minBytes,
    maxWaitTimeInMs: fetch.maxWaitTimeInMs,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    // Read at each fetch (kafkajs patch): the held-fetch wait while a stream is busy.
    fetchWait: (_nodeId: number) => (held ? heldFetchWait(Date.now(), lastFetchedAt, lingerMs) : null),
  });
  let stopping = false;
  let joined = false;
  let crashed: string | null = null;
  let lastHeartbeat: () => Promise<void> = async () => {};

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    // A new generation: kafkajs fetches again from the committed offsets, so the messages still
    // in hand from the last one are redelivered (the handlers dedupe by eventId). Their parts
    // stop counting for commits, and those not yet started are dropped.
    tracker.reset();
    batcher.sweep();
    const assigned = e.payload.memberAssignment as Record<string, number[]>;
    logger.info({ groupId, memberId: e.payload.memberId, assigned }, 'joined consumer group');
    metrics?.onRebalance?.({ groupId, memberId: e.payload.memberId, assigned });
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = e.payload.restart ? null : e.payload.error.message;
    if (!e.payload.restart) logger.error({ groupId, err: crashed }, 'consumer crashed and will not restart');
  });

  type PartMeta = Part<Item> & {
    topic: TopicName;
    /** Its place in its partition's commit order (offset-tracker.ts). */
    ticket: OffsetTicket;
  };

  const committer = createCommitter({
    intervalMs: opts.commitIntervalMs ?? consumerDefaults.commitIntervalMs,
    commit: (offsets) => consumer.commitOffsets(offsets),
    onError: (err) =>
      // A rebalance took a partition meanwhile: its new owner reads from the last commit and the
      // handlers dedupe what is delivered twice.
      logger.warn(
        { groupId, err: (err as Error).message },
        'offset commit failed, messages will be redelivered',
      ),
  });
  // Offsets move over an unbroken run of finished parts only; the group's committed offset
  // follows within commitIntervalMs (the next offset is the one to read).
  const tracker = createOffsetTracker((topic, partition, next) => {
    if (!commit.autoCommit) committer.add(topic, partition, next);
  });
  const maxItems = opts.maxBatchSize ?? consumerDefaults.maxBatchSize;
  const maxInFlight = opts.maxInFlight ?? consumerDefaults.maxInFlight;
  // Fetched messages in hand (waiting or in handler calls) before the fetch loop waits.
  const maxBuffered = maxItems * (maxInFlight + 1);

  const batcher = createBatcher<Item>({
    handle: (items) => {
      const deliveries = items.map((i) => i.delivery);
      // One consumer span per handler call, linked to every message's trace (observability).
      return traceBatch(groupId, deliveries, () =>
        opts.handler(deliveries, { heartbeat: () => lastHeartbeat() }),
      );
    },
    async deadLetter(item, error, attempts) {
      await deadLetter(item.delivery.topic, item.delivery.partition, item.message, error, attempts);
    },
    async commit(parts) {
      for (const p of parts as PartMeta[]) {
        tracker.settle(p.ticket, 'done');
        metrics?.onProcessed?.({ topic: p.topic, count: p.items.length, outcome: 'ok' });
      }
    },
    // Per-user order within a topic, as Kafka gives it (the key is the user; the same user's
    // messages on two topics are not ordered by Kafka either, and may overtake each other). A
    // message without a key keeps its partition's order.
    keyOf: (i) =>
      i.delivery.key === null
        ? `${i.delivery.topic}/${i.delivery.partition}`
        : `${i.delivery.topic}\u0000${i.delivery.key}`,
    heartbeat: () => lastHeartbeat(),
    maxItems,
    maxInFlight,
    lingerMs,
    // A held fetch answers a margin before its tick (a little later on a busy machine): it
    // still belongs to that tick, and the pass waits for the other brokers' answers until then.
    // Quiet means two lingers without a message: answers a tick apart are one busy stream.
    ...(held
      ? { lingerEnd: (now: number) => tickAfter(now - HELD_FETCH_MARGIN_MS, lingerMs), quietMs: 2 * lingerMs }
      : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    onRetry: (error, attempt) => {
      metrics?.onRetry?.({ code: error.code, kind: error.kind, attempt });
      // Each failing dependency is logged as it starts failing and then every tenth try.
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ groupId, code: error.code, kind: error.kind, err: error.message, attempt }, 'retrying');
      }
    },
    onDeadLetter: (item) =>
      metrics?.onProcessed?.({ topic: item.delivery.topic, count: 1, outcome: 'dead-lettered' }),
    onApplied: (count, durationMs) => metrics?.onApplied?.({ count, durationMs }),
  });

  async function deadLetter(
    topic: TopicName,
    partition: number,
    message: KafkaMessage,
    error: ClassifiedError,
    attempts: number,
  ): Promise<void> {
    await opts.producer.send({
      acks: ACKS_ALL,
      ...dlqMessage({ topic, partition, message, groupId, error, attempts }),
    });
    logger.error(
      { topic, partition, offset: message.offset, groupId, code: error.code, err: error.message, attempts },
      'message dead-lettered',
    );
  }

  return {
    consumer,
    health() {
      if (crashed) return { ok: false, detail: `crashed: ${crashed}` };
      if (!joined) return { ok: false, detail: 'not a member of its consumer group yet' };
      const waiting = batcher.waiting();
      if (waiting && Date.now() - waiting.since > UNHEALTHY_AFTER_MS) {
        const s = Math.round((Date.now() - waiting.since) / 1000);
        return {
          ok: false,
          detail: `not consuming for ${s}s: ${waiting.error.code} ${waiting.error.message}`,
        };
      }
      return { ok: true, detail: 'ok' };
    },
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
          lastHeartbeat = heartbeat;
          const topic = batch.topic as TopicName;
          const { partition } = batch;
          metrics?.onBatch?.({ topic, partition, lag: Number(batch.offsetLag()) });
          if (batch.messages.length === 0) return;
          if (commit.autoCommit) {
            // The pitfall, as the Java client's enable.auto.commit does it: the position that gets
            // committed is everything fetched, on a timer, not what has been processed.
            resolveOffset(batch.lastOffset());
          }
          const items: Item[] = [];
          for (const message of batch.messages) {
            const headers = headersToRecord(message.headers);
            try {
              const event = decode(topic, message.value) as EventOf<typeof topic>;
              items.push({
                message,
                delivery: {
                  topic,
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  event,
                  correlationId: headers[h.correlationId] ?? '',
                  headers,
                },
              });
            } catch (err) {
              // Bytes that break the contract never decode on redelivery: DLQ at once. Handled
              // before the rest: a poison message has no effect to keep in order.
              await deadLetter(topic, partition, message, classifyError(err), 1);
              metrics?.onProcessed?.({ topic, count: 1, outcome: 'dead-lettered' });
            }
          }
          // Stopping or losing the partition: start nothing new (work in a handler finishes).
          const generation = tracker.generation();
          const isActive = () =>
            !stopping && isRunning() && !isStale() && tracker.generation() === generation;
          if (!isActive()) return;
          const parts: PartMeta[] = [];
          for (let i = 0; i < items.length; i += maxItems) {
            const chunk = items.slice(i, i + maxItems);
            // The last part also covers dead-lettered poison at the end of the batch.
            const last =
              i + maxItems >= items.length ? batch.lastOffset() : (chunk.at(-1) as Item).message.offset;
            parts.push({
              items: chunk,
              isActive,
              topic,
              ticket: tracker.add(topic, partition, BigInt(last) + 1n),
            });
          }
          if (parts.length === 0) {
            // Only poison, already dead-lettered: move past it.
            tracker.settle(tracker.add(topic, partition, BigInt(batch.lastOffset()) + 1n), 'done');
          }
          for (const part of parts) {
            batcher
              .submit(part)
              // 'aborted': not committed, redelivered to the next owner (or after a restart).
              .then((outcome) => {
                if (outcome === 'aborted') tracker.settle(part.ticket, 'aborted');
              })
              .catch((err) => {
                tracker.settle(part.ticket, 'aborted');
                logger.error({ groupId, topic, partition, err: (err as Error).message }, 'batch failed');
              });
          }
          // kafkajs fetches from the resolved offset: the next fetch of this partition may leave
          // now, while these messages are applied. What is committed is the tracker's business.
          if (!commit.autoCommit) resolveOffset(batch.lastOffset());
          // Pacing, while fewer than maxBuffered messages are in hand. Held fetches need none
          // here: the next one leaves at once and waits at the broker for its tick. Short
          // lingers: kafkajs fetches again half a linger before these messages' dispatch pass
          // (or at the pass, when a free handler call starts it), so the next fetch waits at the
          // broker during the rest of the linger and what it brings joins the same call. Waiting
          // for the pass itself left no fetch out for a whole linger: a message could wait two
          // lingers per hop (`pnpm bench`, linger 100 ms: end-to-end p99 2.10 → 1.59 s). A
          // message waiting for its key (the user's earlier one) does not hold the fetch.
          if (parts.length > 0) {
            lastFetchedAt = Date.now();
            if (!held) await batcher.flushed(lingerMs / 2);
          }
          await batcher.below(maxBuffered);
          if (commit.autoCommit) await commitOffsetsIfNecessary();
        },
      });
    },
    async stop() {
      // Work waiting for a dependency gives up (it is redelivered); work in a handler finishes,
      // and what it did is committed before the group is left.
      stopping = true;
      batcher.sweep();
      const deadline = Date.now() + 15_000;
      while (batcher.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await committer.flush();
      await consumer.stop();
      committer.close();
      await consumer.disconnect();
    },
  };
}
