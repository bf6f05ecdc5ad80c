import type { TopicName } from '@akaso/contracts';
import { commitPolicyDefaults } from './commit-policy.ts';
import { startConsuming } from './consumer-lifecycle.ts';
import { type ConsumerRunner, type ConsumerRunnerOptions, consumerDefaults } from './consumer-options.ts';
import { publishDeadLetter, toDelivery } from './delivery.ts';
import { classifyError, retryWhileTransient } from './errors.ts';

/**
 * The auto-commit pitfall, for workshop lab 4 and nothing else (KAFKA_AUTO_COMMIT=true): as the
 * Java client's enable.auto.commit does it, the position committed on a timer is everything
 * FETCHED, not what was processed. A crash between the commit and the processing loses those
 * messages; a crash before the commit repeats them. One message at a time, so the lab can count.
 */
export function createAutoCommitRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const { logger, groupId } = opts;
  const intervalMs = opts.commitPolicy?.autoCommitIntervalMs ?? commitPolicyDefaults.autoCommitIntervalMs;
  logger.warn({ groupId, intervalMs }, 'AUTO-COMMIT is on: a crash can lose or repeat messages');
  let joined = false;
  let crashed: string | null = null;
  const consumer = opts.kafka.consumer({
    groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? consumerDefaults.sessionTimeoutMs,
    heartbeatInterval: consumerDefaults.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = e.payload.restart ? null : e.payload.error.message;
  });
  const dlq = { producer: opts.producer, logger, groupId };

  return {
    consumer,
    health: () =>
      crashed
        ? { ok: false, detail: `crashed: ${crashed}` }
        : joined
          ? { ok: true, detail: 'ok (auto-commit)' }
          : { ok: false, detail: 'not a member of its consumer group yet' },
    async start() {
      await startConsuming(consumer, opts.topics, {
        autoCommit: true,
        autoCommitInterval: intervalMs,
        eachBatchAutoResolve: false,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          isRunning,
          isStale,
          commitOffsetsIfNecessary,
        }) => {
          const topic = batch.topic as TopicName;
          // The pitfall itself: the whole fetch is marked consumed before any of it is handled.
          resolveOffset(batch.lastOffset());
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            try {
              const delivery = toDelivery(topic, batch.partition, message, opts.decode);
              await retryWhileTransient(() => opts.handler([delivery], { heartbeat }), { heartbeat });
            } catch (err) {
              await publishDeadLetter(
                dlq,
                { topic, partition: batch.partition, message },
                classifyError(err),
                1,
              );
            }
            await commitOffsetsIfNecessary();
          }
        },
      });
    },
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
