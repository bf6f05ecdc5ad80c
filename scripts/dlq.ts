/**
 * Dead-letter topics, from the command line:
 *   pnpm dlq list <topic>     what waits in <topic>.dlq, not replayed yet (error, origin, key, value)
 *   pnpm dlq replay <topic>   move everything in <topic>.dlq back to <topic>, after a fix
 */
import { allTopics, dlqTopic, type TopicName } from '@akaso/contracts';
import {
  createKafka,
  createProducer,
  kafkaClientOptions,
  loadKafkaConfig,
  readDeadLetters,
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
  // What a replay would move back: the messages after the replay group's mark (the same list the
  // dashboard's Dead letters panel shows), the newest 100.
  const list = await readDeadLetters({ kafka, topic: topic as TopicName, limit: 100, maxValueChars: 300 });
  console.log(
    `${list.dlq}: ${list.waiting} message(s) waiting for a replay (${list.total - list.waiting} already replayed)`,
  );
  for (const m of list.messages) {
    const o = m.origin;
    console.log(
      `[${m.partition}@${m.offset}] from ${o ? `${o.topic}[${o.partition}]@${o.offset}` : '?'} ` +
        `group=${m.consumerGroup ?? ''} code=${m.errorCode ?? ''} at=${m.failedAt ?? m.timestamp}\n` +
        `  error: ${m.error ?? ''}\n  key: ${m.key ?? ''}\n  value: ${m.value}`,
    );
  }
  if (!list.complete) console.log('(the read timed out: the list above is partial)');
}
