import type { ConnectionOptions } from 'node:tls';
import {
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  /** kafkajs' log lines go here (pino-like); without it they go to the console as JSON. */
  logger?: {
    warn(obj: object, msg?: string): void;
    info(obj: object, msg?: string): void;
    debug(obj: object, msg?: string): void;
  };
  /** kafkajs' own log output; our services log through pino, so the default is errors only. */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS to the brokers (true: the system's trusted CAs); kafkaClientOptions builds it from the config. */
  ssl?: ConnectionOptions | boolean;
  /** SASL login (PLAIN, SCRAM, OAUTHBEARER); kafkaClientOptions builds it from the config. */
  sasl?: SASLOptions;
}

const levels = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

export const clientDefaults = {
  logLevel: 'error',
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
} as const satisfies Partial<KafkaClientOptions>;

export function createKafka(options: KafkaClientOptions): Kafka {
  const opts = { ...clientDefaults, ...options };
  const sink = opts.logger;
  const config: KafkaConfig = {
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: levels[opts.logLevel],
    ...(sink
      ? {
          // kafkajs logs at ERROR what it then retries (a coordinator still loading, a leader
          // moving): those are warnings for us; failures that matter surface as thrown errors.
          logCreator: () => (entry) => {
            const { message, ...rest } = entry.log;
            const obj = { component: 'kafkajs', namespace: entry.namespace, ...rest };
            if (entry.level <= KafkaLogLevel.WARN) sink.warn(obj, message);
            else if (entry.level === KafkaLogLevel.INFO) sink.info(obj, message);
            else sink.debug(obj, message);
          },
        }
      : {}),
    ...(opts.ssl ? { ssl: opts.ssl } : {}),
    ...(opts.sasl ? { sasl: opts.sasl } : {}),
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    // A broker that dies mid-request is routine (rolling restarts, the failover lab): retry with
    // backoff long enough for a leader election (a few seconds in KRaft) before giving up.
    retry: { initialRetryTime: 100, retries: 10, maxRetryTime: 5_000 },
  };
  return new Kafka(config);
}

/**
 * The durability settings of every producer in the project, defined once.
 * idempotent + acks=all: a retried send can neither duplicate nor reorder a message within a
 * partition, and a send is acknowledged only once min.insync.replicas (2) replicas have it.
 */
export const producerDefaults = {
  idempotent: true,
  // kafkajs requires maxInFlightRequests <= 5 with idempotence; 5 keeps ordering guarantees.
  maxInFlightRequests: 5,
  allowAutoTopicCreation: false,
} as const satisfies ProducerConfig;

/** acks=-1 ("all") is passed per send in kafkajs; exported so callers never pick another value. */
export const ACKS_ALL = -1 as const;

export function createProducer(kafka: Kafka, overrides: Omit<ProducerConfig, 'idempotent'> = {}): Producer {
  // The Java client's murmur2 partitioner: a key lands on the same partition whichever client
  // (kafkajs, the Java tools, kafka-ui) produced it, so "one user, one partition" holds.
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    ...producerDefaults,
    ...overrides,
  });
}

/** Runs `fn` with a connected admin client of `kafka`, and disconnects it afterwards. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Runs `fn` with a connected producer (createProducer's acks=all defaults), and disconnects it. */
export async function withProducer<T>(kafka: Kafka, fn: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}
