/**
 * Dead-letter topics, from the command line:
 *   pnpm dlq list <topic>     what is in <topic>.dlq (error, origin, key, value)
 *   pnpm dlq replay <topic>   move everything in <topic>.dlq back to <topic>, after a fix
 */
import { allTopics, dlqTopic, headers as h, type TopicName } from '@akaso/contracts';
import {
  createKafka,
  createProducer,
  kafkaClientOptions,
  loadKafkaConfig,
  replayDeadLetters,
} from '@akaso/kafka';
import { bootstrapServers } from '@akaso/stack-client';

const [command, topic] = process.argv.slice(2);
if (!command || !topic || !allTopics.includes(topic as TopicName) || !['list', 'replay'].includes(command)) {
  console.error(`usage: pnpm dlq list|replay <topic>   (topic: ${allTopics.join(', ')})`);
  process.exit(2);
}
// The services' Kafka settings (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL…); the local stack by default.
const kafka = createKafka(
  kafkaClientOptions(loadKafkaConfig('pnpm dlq', bootstrapServers), {
    clientId: 'akaso-dlq',
    logLevel: 'nothing',
  }),
);

if (command === 'replay') {
  const producer = createProducer(kafka);
  await producer.connect();
  const { replayed } = await replayDeadLetters({ kafka, producer, topic: topic as TopicName });
  await producer.disconnect();
  console.log(`replayed ${replayed} message(s) from ${dlqTopic(topic)} to ${topic}`);
} else {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(dlqTopic(topic));
  await admin.disconnect();
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  console.log(`${dlqTopic(topic)}: ${total} message(s)`);
  if (total > 0) {
    const consumer = kafka.consumer({ groupId: `akaso-dlq-list-${process.pid}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic(topic), fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const hd = (k: string) => message.headers?.[k]?.toString() ?? '';
          console.log(
            `[${partition}@${message.offset}] from ${hd(h.dlqOriginTopic)}[${hd(h.dlqOriginPartition)}]@${hd(h.dlqOriginOffset)} ` +
              `group=${hd(h.dlqConsumerGroup)} code=${hd(h.dlqErrorCode)} at=${hd(h.dlqFailedAt)}\n  error: ${hd(h.dlqError)}\n` +
              `  key: ${message.key?.toString() ?? ''}\n  value: ${(message.value?.toString() ?? '').slice(0, 300)}`,
          );
          if (++seen >= total) resolve();
        },
      });
    });
    await consumer.disconnect();
  }
}
