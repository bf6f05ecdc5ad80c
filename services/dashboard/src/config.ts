import { env, kafkaSecurityConfig, loadConfig, loadConfigOrExit } from '@akaso/config';
import { tracingConfig } from '@akaso/observability';
import { flagsConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: env.port(3400),
  KAFKA_BROKERS: env.brokers(),
  // TLS and SASL to a secured cluster, as the services (packages/config/src/kafka-security.ts).
  ...kafkaSecurityConfig(),
  // Base URLs of the service instances whose /metrics feed the funnel and outbox panels.
  SERVICE_URLS: Type.String({
    pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
    default: 'http://127.0.0.1:3000,http://127.0.0.1:3100,http://127.0.0.1:3200,http://127.0.0.1:3300',
  }),
  // How often the page's snapshot is refreshed while someone watches (no polling when nobody does).
  SNAPSHOT_INTERVAL_MS: Type.Integer({ minimum: 250, default: 1000 }),
  // The rush panel: the order API the rush drives, and where its audit reads the run back (the
  // PostgreSQL server of the services' databases, Mailpit's API, the charge counter in front of
  // the card provider; empty where there is none, as under compose: that check is then skipped).
  ORDER_API_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3000' }),
  AUDIT_POSTGRES_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgresql://postgres@127.0.0.1:55432',
  }),
  AUDIT_MAILPIT_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8025' }),
  AUDIT_CHARGES_URL: Type.String({ pattern: '^(https?://.*)?$', default: '' }),
  // The controls (faults, rush, replay) answer loopback peers only; compose sets true because
  // requests arrive through Docker's bridge (its published port binds 127.0.0.1 on the host).
  CONTROL_ALLOW_REMOTE: env.bool(false),
  // Host names besides localhost under which the page is reached (comma-separated; empty: none).
  CONTROL_HOSTS: Type.String({ pattern: '^[A-Za-z0-9.-]*(,[A-Za-z0-9.-]+)*$', default: '' }),
  // The fault panel's infrastructure faults: run the local stack's part commands (local), show
  // the equivalent docker compose commands (compose), or neither (off). Run-time flags work in all.
  STACK_CONTROL: Type.Union([Type.Literal('local'), Type.Literal('compose'), Type.Literal('off')], {
    default: 'off',
  }),
  // The repository whose scripts/stack/cli.ts runs the part commands (STACK_CONTROL=local).
  STACK_ROOT: Type.Optional(Type.String({ minLength: 1 })),
  // The run-time switches the fault panel writes and the services poll (@akaso/flags).
  ...flagsConfig(),
  LOG_LEVEL: env.logLevel(),
  // The page's link to the traces: Jaeger's UI as the browser reaches it.
  // Unset: no Jaeger UI to link to (the local stack's Jaeger, built from the Go module, has none).
  JAEGER_WEB_URL: Type.String({ pattern: '^(https?://.*)?$', default: '' }),
  // Jaeger's query API as the dashboard reaches it: the order waterfall (trace.html) reads it.
  JAEGER_QUERY_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:16686' }),
  // OTEL_*: tracing, read first by @akaso/observability/register (listed here to be validated).
  ...tracingConfig(),
});

export type Config = Type.Static<typeof ConfigSchema>;

export const loadDashboardConfig = (source?: Record<string, string | undefined>) =>
  loadConfig('dashboard', ConfigSchema, source);

/** The service's entry point: refuses to start, with every problem listed, on a bad configuration. */
export const configOrExit = () => loadConfigOrExit('dashboard', ConfigSchema);
