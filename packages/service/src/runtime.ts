import { join } from 'node:path';
import { createLogger, type KafkaSecuritySettings, type Logger } from '@akaso/config';
import { allTopics } from '@akaso/contracts';
import {
  createKafka,
  createProducer,
  diagnoseKafkaFailure,
  type Kafka,
  KafkaSecurityError,
  kafkaClientOptions,
  type Producer,
  pipelineTopicSpecs,
  provisionTopics,
} from '@akaso/kafka';
import { migrateDatabase, retryStartup } from './lifecycle.ts';

export interface RuntimeConfig extends KafkaSecuritySettings {
  DATABASE_URL: string;
  LOG_LEVEL: string;
  KAFKA_CONNECTION_TIMEOUT_MS?: number;
  KAFKA_REQUEST_TIMEOUT_MS?: number;
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
  const kafkaOptions = kafkaClientOptions(config, {
    clientId: service,
    logger,
    logLevel: 'warn',
    ...(config.KAFKA_CONNECTION_TIMEOUT_MS
      ? { connectionTimeoutMs: config.KAFKA_CONNECTION_TIMEOUT_MS }
      : {}),
    ...(config.KAFKA_REQUEST_TIMEOUT_MS ? { requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS } : {}),
  });
  const kafka = createKafka(kafkaOptions);
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
      try {
        await admin.connect();
        await provisionTopics(admin, pipelineTopicSpecs(allTopics));
      } catch (err) {
        // Refused credentials or an untrusted certificate stop the start with their cause.
        throw (await diagnoseKafkaFailure(err, kafkaOptions)) ?? err;
      } finally {
        await admin.disconnect();
      }
    },
    logger,
  ).catch((err: unknown) => {
    if (err instanceof KafkaSecurityError)
      logger.fatal({ code: err.code }, `cannot connect to Kafka: ${err.message}`);
    throw err;
  });
  await producer.connect();
  return { logger, kafka, producer };
}
