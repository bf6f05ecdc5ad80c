import { loadConfigOrExit } from '@akaso/config';
import type { TopicName } from '@akaso/contracts';
import { createPool, type Pool } from '@akaso/db';
import { type Flags, groupDelayFlag, watchFlags } from '@akaso/flags';
import {
  type BatchHandler,
  type ConsumerRunner,
  createConsumerRunner,
  type Health,
  type Kafka,
  type Producer,
} from '@akaso/kafka';
import { shutdownTracing } from '@akaso/observability';
import { createOutboxRelay, type OutboxRelay } from '@akaso/outbox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type Type from 'typebox';
import { databaseTimeouts, type HttpTimeouts, type ServiceConfig } from './config.ts';
import type { ReadinessCheck } from './health.ts';
import { createHttpApp } from './http.ts';
import { requireInternalToken } from './internal-auth.ts';
import { handleShutdown, type ShutdownStep } from './lifecycle.ts';
import { withMessageDelay } from './message-delay.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { installProcessGuards } from './process-guards.ts';
import { startRuntime } from './runtime.ts';

/** What the skeleton hands a service's setup: everything shared, already started. */
export interface ServiceContext<C extends ServiceConfig> {
  config: C;
  logger: Logger;
  kafka: Kafka;
  /** Idempotent, acks=all; publishes the outbox and dead letters. */
  producer: Producer;
  metrics: Metrics;
  /** The service's database pool (share it with Prisma: `new PrismaPg(pool)`). */
  pool: Pool;
  /** Tell the relay that a transaction wrote outbox rows (it publishes at once). */
  wakeOutbox(): void;
  /**
   * The run-time flags in effect (FLAGS_FILE, polled; {} without one). Read them where they
   * apply, on each use, so a change takes effect without a restart.
   */
  flags(): Flags;
}

export interface ConsumerDeclaration {
  groupId: string;
  topics: TopicName[];
  handler: BatchHandler;
  /** false: the service serves HTTP only (e.g. order-api with CONSUME=false). */
  enabled?: boolean;
}

/** What is particular to a service; the rest is the skeleton's. */
export interface ServiceParts {
  consumer?: ConsumerDeclaration;
  /** Routes on the shared base app (error contract, /healthz, /readyz, /metrics). */
  routes?(app: FastifyInstance): Promise<void>;
  /** Or the service's own app, built from `base` (order-api: OpenAPI, storefront). */
  app?(base: AppBase): Promise<FastifyInstance>;
  readiness?: ReadinessCheck[];
  /** Started after the relay and before the consumer (e.g. a LISTEN feed). */
  start?(): Promise<void>;
  /** Released after the consumer and the relay stopped, before the pool closes. */
  stop?: ShutdownStep[];
  /** Extra fields for the "ready" log line. */
  describe?: Record<string, unknown>;
}

export interface AppBase {
  readiness: ReadinessCheck[];
  metrics: Metrics;
  /** The configured HTTP bounds, for createHttpApp. */
  httpTimeouts: HttpTimeouts;
}

export interface ServiceDefinition<S extends Type.TObject> {
  name: string;
  /** The service's config schema: `Type.Object({ ...serviceConfig(port), … })`. */
  config: S;
  /** The service's folder (prisma/migrations beside src/ or dist/). */
  root: string;
  /** Pool connections for the service's own use (default DB_POOL_SIZE). */
  setup(ctx: ServiceContext<Type.Static<S> & ServiceConfig>): Promise<ServiceParts>;
  /** Whether this service publishes an outbox (email only dead-letters). Default true. */
  outbox?: boolean;
}

export interface RunningService {
  relay: OutboxRelay | null;
  consumer: ConsumerRunner | null;
  app: FastifyInstance;
  shutdown(): Promise<void>;
}

/**
 * The one skeleton of every service process, in order: configuration (refuse to start on a bad
 * one), migrations and topics (startRuntime), the database pool, the outbox relay, the
 * service's own parts, the consumer (batch handler, manual commits, DLQ), HTTP with readiness
 * that tells the truth (database, Kafka, relay, consumer), and a graceful shutdown in reverse.
 */
export async function runService<S extends Type.TObject>(def: ServiceDefinition<S>): Promise<RunningService> {
  const config = loadConfigOrExit(def.name, def.config) as Type.Static<S> & ServiceConfig;
  const { logger, kafka, producer } = await startRuntime(def.name, config, def.root, {
    outbox: def.outbox !== false,
  });
  // One request's forgotten promise must not take down every stream and order of the instance.
  installProcessGuards(logger);
  const metrics = createMetrics(def.name);
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_SIZE,
    name: def.name,
    timeouts: databaseTimeouts(config),
  });
  const relay =
    def.outbox === false
      ? null
      : createOutboxRelay({
          connectionString: config.DATABASE_URL,
          timeouts: databaseTimeouts(config),
          lingerMs: config.OUTBOX_RELAY_LINGER_MS,
          producer,
          logger,
          onPublished: metrics.outbox.published,
          onBacklog: metrics.outbox.backlog,
        });
  const flagsWatcher = config.FLAGS_FILE ? watchFlags({ file: config.FLAGS_FILE, logger }) : null;
  const flags: () => Flags = flagsWatcher?.current ?? (() => ({}));
  let stopping = false;
  const parts = await def.setup({
    config,
    logger,
    kafka,
    producer,
    metrics,
    pool,
    wakeOutbox: () => relay?.wake(),
    flags,
  });
  // A group the workshop can slow (`<group>.delayMs`): only with a flags file, so without one
  // the handler is the service's own.
  const delayFlag = parts.consumer && flagsWatcher ? groupDelayFlag(parts.consumer.groupId) : null;

  const consumer =
    parts.consumer && parts.consumer.enabled !== false
      ? createConsumerRunner({
          kafka,
          producer,
          logger,
          groupId: parts.consumer.groupId,
          topics: parts.consumer.topics,
          handler: delayFlag
            ? withMessageDelay(parts.consumer.handler, {
                delayMs: () => flags()[delayFlag] ?? 0,
                active: () => !stopping,
              })
            : parts.consumer.handler,
          maxBatchSize: config.CONSUMER_MAX_BATCH,
          maxInFlight: config.CONSUMER_MAX_IN_FLIGHT,
          lingerMs: config.CONSUMER_LINGER_MS,
          commitPolicy: {
            autoCommit: config.KAFKA_AUTO_COMMIT,
            autoCommitIntervalMs: config.KAFKA_AUTO_COMMIT_INTERVAL_MS,
          },
          metrics: metrics.consumer,
        })
      : null;

  // Count what the clients send (kafkajs' instrumentation events): requests per order is the
  // figure that tells whether batching works.
  producer.on(producer.events.REQUEST, (e) => metrics.kafkaRequest(e.payload.apiName));
  consumer?.consumer.on(consumer.consumer.events.REQUEST, (e) => metrics.kafkaRequest(e.payload.apiName));

  const readiness: ReadinessCheck[] = [
    databaseCheck(pool),
    kafkaCheck(kafka),
    ...(relay ? [partCheck('outbox relay', () => relay.health())] : []),
    ...(consumer ? [partCheck('consumer', () => consumer.health())] : []),
    ...(parts.readiness ?? []),
  ];
  const httpTimeouts = {
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: config.HTTP_CONNECTION_TIMEOUT_MS,
    readinessCheckMs: config.READINESS_CHECK_TIMEOUT_MS,
  };
  let app: FastifyInstance;
  if (parts.app) {
    app = await parts.app({ readiness, metrics, httpTimeouts });
  } else {
    app = await createHttpApp({ logger, metrics: metrics.registry, readiness, timeouts: httpTimeouts });
    await parts.routes?.(app);
  }
  requireInternalToken(app, config.INTERNAL_API_TOKEN);

  await relay?.start();
  await parts.start?.();
  // HTTP first: /healthz answers and /readyz says "joining" while the group rebalances.
  await app.listen({ host: config.HOST, port: config.PORT });
  await consumer?.start();
  logger.info({ url: `http://${config.HOST}:${config.PORT}`, ...parts.describe }, `${def.name} ready`);

  const shutdown = handleShutdown(logger, [
    ['http', () => app.close()],
    // A slowed group's waits end here, so the consumer's graceful stop finishes its work in hand.
    [
      'run-time flags',
      async () => {
        stopping = true;
        flagsWatcher?.stop();
      },
    ],
    ['consumer', () => consumer?.stop() ?? Promise.resolve()],
    ['outbox relay', () => relay?.stop() ?? Promise.resolve()],
    ['producer', () => producer.disconnect()],
    ...(parts.stop ?? []),
    ['database', () => pool.end()],
    // Last: the spans of everything above are exported before the process exits.
    ['tracing', shutdownTracing],
  ]);
  return { relay, consumer, app, shutdown };
}

/** Readiness: the database answers a query (through the service's own pool). */
function databaseCheck(pool: Pool): ReadinessCheck {
  return { name: 'database', check: async () => void (await pool.query('select 1')) };
}

// A dependency is asked at most every few seconds, however often /readyz is polled (the
// dashboard polls every instance every second): a readiness probe must not become a load.
const CHECK_CACHE_MS = 5_000;

/** A readiness check whose outcome is reused for `ttlMs`. */
export function cachedCheck(
  name: string,
  check: () => Promise<void>,
  ttlMs = CHECK_CACHE_MS,
): ReadinessCheck {
  let last: { at: number; error: Error | null } | null = null;
  return {
    name,
    check: async () => {
      if (!last || Date.now() - last.at > ttlMs) {
        let error: Error | null = null;
        try {
          await check();
        } catch (err) {
          error = err as Error;
        }
        last = { at: Date.now(), error };
      }
      if (last.error) throw last.error;
    },
  };
}

/** Readiness: the Kafka cluster answers (cached for a few seconds). */
export function kafkaCheck(kafka: Kafka): ReadinessCheck {
  return cachedCheck('kafka', async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } finally {
      await admin.disconnect().catch(() => {});
    }
  });
}

function partCheck(name: string, health: () => Health): ReadinessCheck {
  return {
    name,
    check: async () => {
      const h = health();
      if (!h.ok) throw new Error(h.detail);
    },
  };
}
