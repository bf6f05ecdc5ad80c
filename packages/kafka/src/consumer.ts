import type { TopicName } from '@akaso/contracts';
import { traceBatch } from '@akaso/observability';
import type { KafkaMessage, Offsets } from 'kafkajs';
import { createAutoCommitRunner } from './auto-commit-runner.ts';
import { type Batcher, createBatcher, type Part } from './batcher.ts';
import { systemClock } from './clock.ts';
import { createCommitter } from './committer.ts';
import { startConsuming } from './consumer-lifecycle.ts';
import { type ConsumerRunner, type ConsumerRunnerOptions, consumerDefaults } from './consumer-options.ts';
import { type Delivery, publishDeadLetter, toDelivery } from './delivery.ts';
import { classifyError } from './errors.ts';
import { UNHEALTHY_AFTER_MS } from './health.ts';
import { createOffsetTracker, type OffsetTicket } from './offset-tracker.ts';
import { createPacing } from './pacing.ts';

interface Item {
  delivery: Delivery;
  /** As kafkajs gave it: a dead letter carries the original bytes and headers. */
  message: KafkaMessage;
}

type TrackedPart = Part<Item> & { topic: TopicName; partition: number; ticket: OffsetTicket };

/**
 * At-least-once consumption with manual commits, a batch at a time: an offset is committed only
 * after the handler applied every message below it (or a message was dead-lettered with
 * acks=all), so a crash redelivers and never skips. Handlers make redelivery harmless by
 * recording eventIds in the same transaction as their effects (packages/outbox).
 *
 * This file adapts kafkajs to three parts that know nothing of it: the pacing (when fetched
 * messages are handed over, how long a fetch waits), the batcher (per-key order, retries,
 * poison isolation) and the offset tracker (what may be committed). A partition's next fetch
 * leaves while its messages are applied; concurrency is per key, so a slow card charge holds
 * that user's later messages, not its partition.
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  if (opts.commitPolicy?.autoCommit) return createAutoCommitRunner(opts);
  const { logger, metrics, groupId } = opts;
  const clock = opts.clock ?? systemClock;
  const d = consumerDefaults;
  const maxItems = opts.maxBatchSize ?? d.maxBatchSize;
  const maxInFlight = opts.maxInFlight ?? d.maxInFlight;
  let stopping = false;
  let joined = false;
  let crashed: string | null = null;
  let heartbeat: () => Promise<void> = async () => {};
  /**
   * One commit request in the member's current generation (eachBatch's commitOffsetsIfNecessary
   * with offsets). Not consumer.commitOffsets: kafkajs retries that across a rejoin, under the
   * new generation, where the old offsets can move a partition behind its new owner's commit.
   * The committer retries, and drops what a rebalance made stale.
   */
  let commitOnce: ((offsets: Offsets) => Promise<void>) | null = null;
  /** Fetched parts waiting for the pacing's pass. */
  let fetched: TrackedPart[] = [];

  const pacing = createPacing({
    lingerMs: opts.lingerMs ?? d.lingerMs,
    clock,
    onPass: () => {
      for (const part of fetched.splice(0)) void batcher.submit(part).then((o) => finished(part, o));
    },
  });
  const consumer = opts.kafka.consumer({
    groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? d.sessionTimeoutMs,
    heartbeatInterval: d.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: opts.fetch?.maxWaitTimeInMs ?? d.fetch.maxWaitTimeInMs,
    maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? d.fetch.maxBytesPerPartition,
    // Asked before each fetch (kafkajs patch): the pacing's hold while busy.
    fetchWait: () => pacing.fetchWait(),
  });
  const committer = createCommitter({
    clock,
    intervalMs: opts.commitIntervalMs ?? d.commitIntervalMs,
    commit: async (offsets) => {
      if (!commitOnce) throw new Error('not consuming yet: nothing to commit through');
      const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
        topic,
        partitions: offsets
          .filter((o) => o.topic === topic)
          .map(({ partition, offset }) => ({ partition, offset })),
      }));
      await commitOnce({ topics });
    },
    onError: (err) =>
      logger.warn({ groupId, err: (err as Error).message }, 'offset commit failed, will try again'),
  });
  const dlq = { producer: opts.producer, logger, groupId };
  const tracker = createOffsetTracker((topic, partition, next) => committer.add(topic, partition, next));
  const batcher: Batcher<Item> = createBatcher<Item>({
    clock,
    // One consumer span per handler call, linked to every message's trace (observability).
    handle: (items) => {
      const deliveries = items.map((i) => i.delivery);
      return traceBatch(groupId, deliveries, () =>
        opts.handler(deliveries, { heartbeat: () => heartbeat() }),
      );
    },
    deadLetter: ({ delivery, message }, error, attempts) =>
      publishDeadLetter(
        dlq,
        { topic: delivery.topic, partition: delivery.partition, message },
        error,
        attempts,
      ),
    // Per-user order within a topic, as Kafka gives it; a message without a key keeps its
    // partition's order.
    keyOf: ({ delivery: m }) => (m.key === null ? `${m.topic}/${m.partition}` : `${m.topic}\u0000${m.key}`),
    heartbeat: () => heartbeat(),
    maxItems,
    maxInFlight,
    ...(opts.retry ? { retry: opts.retry } : {}),
    onRetry: (error, attempt) => {
      metrics?.onRetry?.({ code: error.code, kind: error.kind, attempt });
      // Each failing dependency is logged as it starts failing and then every tenth try.
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ groupId, code: error.code, kind: error.kind, err: error.message, attempt }, 'retrying');
      }
    },
    onDeadLetter: ({ delivery }) =>
      metrics?.onProcessed?.({ topic: delivery.topic, count: 1, outcome: 'dead-lettered' }),
    onApplied: (count, durationMs) => metrics?.onApplied?.({ count, durationMs }),
  });

  function finished(part: TrackedPart, outcome: 'done' | 'aborted') {
    if (outcome === 'done')
      metrics?.onProcessed?.({ topic: part.topic, count: part.items.length, outcome: 'ok' });
    const from = tracker.settle(part.ticket, outcome);
    // Given up while the partition is still tracked: its messages were fetched past already, so
    // fetch them again, or no commit of that partition could ever pass them.
    if (from !== null && !stopping)
      consumer.seek({ topic: part.topic, partition: part.partition, offset: `${from}` });
  }

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    // A new generation: kafkajs fetches again from the committed offsets, so the messages in hand
    // are redelivered (and deduped by eventId): they stop counting, the waiting ones are dropped.
    tracker.reset();
    batcher.sweep();
    const assigned = e.payload.memberAssignment as Record<string, number[]>;
    committer.reset();
    logger.info({ groupId, memberId: e.payload.memberId, assigned }, 'joined consumer group');
    metrics?.onRebalance?.({ groupId, memberId: e.payload.memberId, assigned });
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = e.payload.restart ? null : e.payload.error.message;
    if (!e.payload.restart) logger.error({ groupId, err: crashed }, 'consumer crashed and will not restart');
  });

  return {
    consumer,
    health() {
      if (crashed) return { ok: false, detail: `crashed: ${crashed}` };
      if (!joined) return { ok: false, detail: 'not a member of its consumer group yet' };
      const waiting = batcher.waiting();
      const failingMs = waiting ? clock.now() - waiting.since : 0;
      // A dependency that refuses our credentials will not heal by itself: not ready at once.
      if (waiting && (waiting.error.blocksService || failingMs > UNHEALTHY_AFTER_MS)) {
        const detail = `not consuming for ${Math.round(failingMs / 1000)}s: ${waiting.error.code} ${waiting.error.message}`;
        return { ok: false, detail };
      }
      return { ok: true, detail: 'ok' };
    },
    async start() {
      await startConsuming(consumer, opts.topics, {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently:
          opts.partitionsConsumedConcurrently ?? d.partitionsConsumedConcurrently,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat: beat,
          isRunning,
          isStale,
          commitOffsetsIfNecessary,
        }) => {
          heartbeat = beat;
          commitOnce = commitOffsetsIfNecessary;
          const topic = batch.topic as TopicName;
          const { partition } = batch;
          metrics?.onBatch?.({ topic, partition, lag: Number(batch.offsetLag()) });
          const generation = tracker.generation();
          // Stopping or losing the partition: start nothing new (work in a handler finishes).
          const isActive = () =>
            !stopping && isRunning() && !isStale() && tracker.generation() === generation;
          if (batch.messages.length === 0 || !isActive()) return;
          const items: Item[] = [];
          for (const message of batch.messages) {
            try {
              items.push({ delivery: toDelivery(topic, partition, message, opts.decode), message });
            } catch (err) {
              // Bytes that break the contract never decode on redelivery: to the DLQ at once, and
              // before the rest (a poison message has no effect to keep in order).
              await publishDeadLetter(dlq, { topic, partition, message }, classifyError(err), 1);
              metrics?.onProcessed?.({ topic, count: 1, outcome: 'dead-lettered' });
            }
          }
          const end = BigInt(batch.lastOffset()) + 1n;
          let first = BigInt(batch.messages[0]?.offset ?? batch.lastOffset());
          for (let i = 0; i < items.length; i += maxItems) {
            const chunk = items.slice(i, i + maxItems);
            // The last part also covers dead-lettered poison at the end of the batch.
            const next =
              i + maxItems >= items.length ? end : BigInt((chunk.at(-1) as Item).delivery.offset) + 1n;
            const ticket = tracker.add(topic, partition, first, next);
            fetched.push({ items: chunk, isActive, topic, partition, ticket });
            first = next;
          }
          // Only poison, already dead-lettered: move past it.
          if (items.length === 0) tracker.settle(tracker.add(topic, partition, first, end), 'done');
          else pacing.arrived();
          // The next fetch of this partition may leave now, while these messages are applied.
          resolveOffset(batch.lastOffset());
          await batcher.below(maxItems * (maxInFlight + 1));
        },
      });
    },
    async stop() {
      // Work waiting for a dependency gives up (it is redelivered); work in a handler finishes,
      // and what it did is committed before the group is left.
      stopping = true;
      pacing.close();
      fetched = [];
      batcher.sweep();
      let timer: unknown;
      const timeout = new Promise<void>((resolve) => {
        timer = clock.setTimeout(resolve, d.stopTimeoutMs);
      });
      await Promise.race([batcher.below(1), timeout]);
      clock.clearTimeout(timer);
      await committer.flush();
      await consumer.stop();
      committer.close();
      await consumer.disconnect();
    },
  };
}
