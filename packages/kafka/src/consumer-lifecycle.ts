import type { Consumer, ConsumerRunConfig } from 'kafkajs';

/**
 * Joins the group and starts fetching. Both runners read their topics from the beginning: a group
 * without committed offsets (a new service, a new topic) must not skip what was written before it.
 */
export async function startConsuming(
  consumer: Consumer,
  topics: readonly string[],
  run: ConsumerRunConfig,
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run(run);
}
