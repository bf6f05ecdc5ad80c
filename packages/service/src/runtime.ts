import { join } from 'node:path';
import { createLogger, type Logger, parseBrokers } from '@akaso/config';
import { allTopics } from '@akaso/contracts';
import {
  createKafka,
  createProducer,
  type Kafka,
  type Producer,
  pipelineTopicSpecs,
  provisionTopics,
} from '@akaso/kafka';
import { migrateDatabase, retryStartup } from './lifecycle.ts';

export interface RuntimeConfig {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  LOG_LEVEL: string;
}

export interface Runtime {
  logger: Logger;
  kafka: Kafka;
  /** Idempotent, acks=all; connected. Publishes the outbox and dead letters. */
  producer: Producer;
}

/**
 * The start-up every service shares, in order: its database migrated (the outbox's tables if it
 * publishes, then the SQL in prisma/migrations beside src/ or dist/), the pipeline's topics
 * provisioned (idempotent), the producer connected.
 * PostgreSQL and Kafka are retried while they come up, so start order does not matter.
 */
export async function startRuntime(
  service: string,
  config: RuntimeConfig,
  serviceRoot: string,
  { outbox = true }: { outbox?: boolean } = {},
): Promise<Runtime> {
  const logger = createLogger(service, config.LOG_LEVEL);
  const kafka = createKafka({
    clientId: service,
    brokers: parseBrokers(config.KAFKA_BROKERS),
    logger,
    logLevel: 'warn',
  });
  const producer = createProducer(kafka);
  await retryStartup(
    'postgresql',
    () => migrateDatabase(config.DATABASE_URL, join(serviceRoot, 'prisma', 'migrations'), logger, { outbox }),
    logger,
  );
  await retryStartup(
    'kafka',
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await provisionTopics(admin, pipelineTopicSpecs(allTopics));
      } finally {
        await admin.disconnect();
      }
    },
    logger,
  );
  await producer.connect();
  return { logger, kafka, producer };
}
