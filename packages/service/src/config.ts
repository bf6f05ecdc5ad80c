import { env, kafkaSecurityConfig } from '@akaso/config';
import { type DatabaseTimeouts, databaseTimeoutDefaults } from '@akaso/db';
import { clientDefaults } from '@akaso/kafka';
import { tracingConfig } from '@akaso/observability';
import Type from 'typebox';

export interface HttpTimeouts {
  /** A client gets this long to send a whole request (headers and body). */
  requestTimeoutMs: number;
  /** An idle connection is closed after this. */
  connectionTimeoutMs: number;
  /** A readiness check without an answer after this is failing. */
  readinessCheckMs: number;
}

/** The outbox relay's tick (OUTBOX_RELAY_LINGER_MS) by default: `pnpm bench` measures this one too. */
export const outboxRelayLingerDefaultMs = 100;

export const httpTimeoutDefaults = {
  requestTimeoutMs: 10_000,
  connectionTimeoutMs: 60_000,
  readinessCheckMs: 2_000,
} as const satisfies HttpTimeouts;

/**
 * The settings every service reads, with one meaning everywhere. A service's schema spreads
 * these and adds its own: `Type.Object({ ...serviceConfig(3100), SMTP_HOST: … })`.
 */
export function serviceConfig(
  defaultPort: number,
  defaults: { dbPoolSize?: number; dbConnectTimeoutMs?: number } = {},
) {
  return {
    HOST: Type.String({ default: '127.0.0.1' }),
    PORT: env.port(defaultPort),
    DATABASE_URL: env.url(),
    KAFKA_BROKERS: env.brokers(),
    // The shared token of the internal endpoints (/internal/*): they refuse a caller without it,
    // and the synchronous baseline sends it (packages/service/src/internal-auth.ts).
    INTERNAL_API_TOKEN: Type.String({ minLength: 16 }),
    // TLS and SASL to a secured cluster (packages/config/src/kafka-security.ts).
    ...kafkaSecurityConfig(),
    DB_POOL_SIZE: Type.Integer({ minimum: 1, default: defaults.dbPoolSize ?? 10 }),
    // Bounds on every wait on PostgreSQL (packages/db/src/timeouts.ts says what each bounds):
    // a database that stops answering is then an error to retry, like one that is down. 0: none.
    DB_STATEMENT_TIMEOUT_MS: env.ms(databaseTimeoutDefaults.statementTimeoutMs),
    DB_LOCK_TIMEOUT_MS: env.ms(databaseTimeoutDefaults.lockTimeoutMs),
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: env.ms(databaseTimeoutDefaults.idleInTransactionTimeoutMs),
    DB_QUERY_TIMEOUT_MS: env.ms(databaseTimeoutDefaults.queryTimeoutMs),
    DB_CONNECT_TIMEOUT_MS: env.ms(defaults.dbConnectTimeoutMs ?? databaseTimeoutDefaults.connectTimeoutMs),
    DB_KEEPALIVE_INITIAL_DELAY_MS: env.ms(databaseTimeoutDefaults.keepAliveInitialDelayMs),
    // HTTP: a client gets this long to send a whole request (headers and body), and an idle
    // connection is closed after HTTP_CONNECTION_TIMEOUT_MS (longer than the SSE keep-alive).
    HTTP_REQUEST_TIMEOUT_MS: env.ms(httpTimeoutDefaults.requestTimeoutMs),
    HTTP_CONNECTION_TIMEOUT_MS: env.ms(httpTimeoutDefaults.connectionTimeoutMs),
    // /readyz: a dependency that does not answer a check within this is reported as failing.
    READINESS_CHECK_TIMEOUT_MS: Type.Integer({ minimum: 1, default: httpTimeoutDefaults.readinessCheckMs }),
    // Kafka: connecting to a broker, and any request to it (a produce waiting for acks=all included).
    KAFKA_CONNECTION_TIMEOUT_MS: Type.Integer({ minimum: 1, default: clientDefaults.connectionTimeoutMs }),
    KAFKA_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, default: clientDefaults.requestTimeoutMs }),
    // The outbox relay's tick while writes keep coming (a write after a quiet spell goes at once;
    // 0: always at once). It sets how many produce requests a rush costs the brokers, each of which
    // the followers then fetch (docs/performance.md names the bench JSONs that chose it).
    OUTBOX_RELAY_LINGER_MS: env.ms(outboxRelayLingerDefaultMs),
    // Messages applied by one handler call, i.e. one database transaction (the consumer joins
    // what one fetch returned, across partitions, up to this many).
    CONSUMER_MAX_BATCH: Type.Integer({ minimum: 1, maximum: 5_000, default: 200 }),
    // Handler calls in flight at once per instance. They never share a key (a user), so each
    // user's messages stay in order; a slow call (a card charge) holds its users only.
    CONSUMER_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    // The consumers' tick. While a stream is busy, each fetch waits at the broker until just
    // before the next multiple of this on the clock and the messages of all brokers go in one
    // handler call at the tick (held fetches, packages/kafka/src/consumer.ts); a consumer idle
    // for two ticks handles its first message at once. Under 60 ms, the older pacing: a fetched
    // message waits this long for others and the next fetch leaves half a linger before the call.
    // `pnpm bench --rate 200 --hold 30 --realistic --modes async --linger 5` on the 2-core box,
    // CPU ms per order / end-to-end p99: 150 ms held 7.5–7.6 / 1.67–1.79 s. With the older
    // pacing: 50 ms 9.2 / 1.53 s, 100 ms 8.9–9.0 / 1.59–1.63 s, 150 ms 8.3 / 1.62–1.66 s,
    // 200 ms 8.0 / 1.90 s.
    CONSUMER_LINGER_MS: Type.Integer({ minimum: 0, maximum: 1_000, default: 150 }),
    // Workshop lab 4 only: the auto-commit pitfall (commits what was fetched, on a timer).
    KAFKA_AUTO_COMMIT: env.bool(false),
    KAFKA_AUTO_COMMIT_INTERVAL_MS: Type.Integer({ minimum: 1, default: 5_000 }),
    LOG_LEVEL: env.logLevel(),
    // OTEL_*: tracing (read first by @akaso/observability/register, listed here to be validated).
    ...tracingConfig(),
  };
}

/**
 * The run-time switches of a service that has some (payment, inventory, email): the flags file it
 * polls (@akaso/flags), which the dashboard's fault panel writes. Unset: no run-time flags.
 */
export function flagsConfig() {
  return { FLAGS_FILE: Type.Optional(Type.String({ minLength: 1 })) };
}

const base = Type.Object(serviceConfig(0));
const flagged = Type.Object(flagsConfig());
/** The shared settings, and FLAGS_FILE for a service whose schema spreads flagsConfig(). */
export type ServiceConfig = Type.Static<typeof base> & Type.Static<typeof flagged>;

/** The database bounds of a service's configuration, as @akaso/db takes them. */
export function databaseTimeouts(config: ServiceConfig): DatabaseTimeouts {
  return {
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    keepAliveInitialDelayMs: config.DB_KEEPALIVE_INITIAL_DELAY_MS,
  };
}
