import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  apiUrl,
  bootstrapServers,
  chargeCounterUrl,
  host,
  jaegerUrl,
  mailpit,
  mailpitUrl,
  otlpEndpoint,
  postgresServerUrl,
  postgresUrl,
  serviceBasePorts,
} from '@akaso/stack-client';
import { internalApiToken } from './internal-token.ts';
import { localKafkaSecurityEnv } from './kafka-tls.ts';
import { flagsFile, repoRoot } from './paths.ts';
import {
  logFile,
  portOpen,
  type Reporter,
  runningPid,
  StopWaiting,
  startDetached,
  stopProcess,
  waitFor,
  withProgress,
} from './proc.ts';

/**
 * The pipeline's services as local processes. Instance i of a service listens on its base port
 * + i - 1; every instance of a consumer service joins the same consumer group, so starting
 * more instances shares the partitions (`pnpm start --scale payment=3`).
 */
export const serviceNames = ['order-api', 'inventory', 'payment', 'email', 'dashboard'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const basePorts: Record<ServiceName, number> = serviceBasePorts;

/** The dashboard has no database: it reads the cluster and the other services' /metrics. */
const databases: Partial<Record<ServiceName, string>> = {
  'order-api': 'order_api',
  inventory: 'inventory',
  payment: 'payment',
  email: 'email',
};

/**
 * The services' memory settings, for a laptop running the whole stack (docker-compose.yml passes
 * the same):
 * - V8 sizes the young generation by the machine's memory (up to 64 MB per semi-space on a large
 *   one), which a rush fills in every process; 8 MB semi-spaces collect more often for a fraction
 *   of the memory, and the old generation is capped well above what a rush keeps alive;
 * - glibc's malloc opens up to 8 arenas per core for the threads that allocate (libuv's pool,
 *   V8's helpers), each holding freed memory of its own; two are enough for one JS thread.
 */
export const serviceRuntimeEnv = {
  NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=160',
  MALLOC_ARENA_MAX: '2',
} as const;

export type Scale = Record<ServiceName, number>;
export const defaultScale: Scale = { 'order-api': 1, inventory: 1, payment: 1, email: 1, dashboard: 1 };

export const instanceName = (service: ServiceName, i: number) => `${service}-${i}`;
export const instancePort = (service: ServiceName, i: number) => basePorts[service] + i - 1;

/** What the dashboard reads /metrics from: every instance of the pipeline's services. */
export const dashboardTargets = (scale: Scale = defaultScale) =>
  serviceNames
    .filter((s) => s !== 'dashboard')
    .flatMap((s) => Array.from({ length: scale[s] }, (_, i) => `http://${host}:${instancePort(s, i + 1)}`))
    .join(',');

/** The same variable names the services read under compose (.env.example). */
export function serviceEnv(
  service: ServiceName,
  i: number,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const database = databases[service];
  return {
    ...process.env,
    ...serviceRuntimeEnv,
    HOST: host,
    PORT: String(instancePort(service, i)),
    ...(database ? { DATABASE_URL: postgresUrl(database) } : {}),
    KAFKA_BROKERS: bootstrapServers.join(','),
    // PLAINTEXT, or the SASL_SSL listeners (AKASO_KAFKA_SECURITY=sasl_ssl): brokers and credentials.
    ...localKafkaSecurityEnv(),
    INVENTORY_URL: `http://${host}:${basePorts.inventory}`,
    PAYMENT_URL: `http://${host}:${basePorts.payment}`,
    EMAIL_URL: `http://${host}:${basePorts.email}`,
    INTERNAL_API_TOKEN: internalApiToken(),
    // Through the charge counter, which forwards to stripe-mock unchanged and counts each charge
    // per idempotency key: the audit's proof that no order was charged twice at the provider.
    STRIPE_API_BASE: chargeCounterUrl,
    SMTP_HOST: host,
    SMTP_PORT: String(mailpit.smtpPort),
    MAILPIT_WEB_URL: `http://${host}:${mailpit.httpPort}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_SERVICE_NAME: service,
    // The Jaeger built from its Go module serves the query API but no UI (no JAEGER_WEB_URL): the
    // storefront links each trace to the dashboard's waterfall, which reads that API.
    JAEGER_QUERY_URL: jaegerUrl,
    DASHBOARD_WEB_URL: `http://${host}:${basePorts.dashboard}`,
    SERVICE_URLS: dashboardTargets(),
    // The dashboard's rush: the order API it drives, and where its audit reads the run back (the
    // charge counter included: the local stack has one).
    ...(service === 'dashboard'
      ? {
          ORDER_API_URL: apiUrl,
          AUDIT_POSTGRES_URL: postgresServerUrl,
          AUDIT_MAILPIT_URL: mailpitUrl,
          AUDIT_CHARGES_URL: chargeCounterUrl,
        }
      : {}),
    // The run-time flags the dashboard writes and the services poll (faults without a restart).
    FLAGS_FILE: flagsFile,
    // The dashboard's fault panel runs this stack's own part commands (scripts/stack/cli.ts).
    ...(service === 'dashboard' ? { STACK_CONTROL: 'local', STACK_ROOT: repoRoot } : {}),
    ...extra,
  };
}

async function ready(port: number): Promise<boolean> {
  if (!(await portOpen(port))) return false;
  const res = await fetch(`http://${host}:${port}/readyz`);
  return res.ok;
}

export async function startServiceInstance(
  service: ServiceName,
  i: number,
  reporter: Reporter,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const name = instanceName(service, i);
  const port = instancePort(service, i);
  if (runningPid(name) !== null && (await ready(port).catch(() => false))) return;
  // Running but not ready (waiting for a dependency): it recovers by itself; a second process on
  // the same port would only fail. Wait for it instead.
  const alreadyRunning = runningPid(name) !== null && (await portOpen(port));
  // Runs the TypeScript sources directly (Node 24 strips types); the "development" export
  // condition makes @akaso/* packages resolve to their src/ too. Docker runs the built dist/.
  // The tracing register file is preloaded: its loader hook must precede the service's imports.
  if (!alreadyRunning) {
    startDetached(
      name,
      process.execPath,
      [
        '--conditions=development',
        '--import',
        '@akaso/observability/register',
        join(repoRoot, 'services', service, 'src', 'main.ts'),
      ],
      {
        cwd: join(repoRoot, 'services', service),
        env: serviceEnv(service, i, extraEnv),
      },
    );
  }
  await waitFor(
    `${name} on port ${port} (log: ${logFile(name)})`,
    async () => {
      if (runningPid(name) === null) {
        const tail = readFileSync(logFile(name), 'utf8').trim().split('\n').slice(-8).join('\n');
        throw new StopWaiting(`${name} exited during start-up; ${logFile(name)} ends with:\n${tail}`);
      }
      return ready(port);
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );
  reporter.done(`${name}: http://${host}:${port}`);
}

/**
 * The services import their Prisma client from src/generated (not committed): on a fresh clone,
 * or after schema.prisma changed, it is generated before anything starts.
 */
export function ensurePrismaClients(reporter: Reporter): void {
  const stale = serviceNames.filter((service) => {
    const dir = join(repoRoot, 'services', service);
    if (!existsSync(join(dir, 'prisma', 'schema.prisma'))) return false;
    const client = join(dir, 'src', 'generated', 'prisma', 'client.ts');
    return (
      !existsSync(client) || statSync(client).mtimeMs < statSync(join(dir, 'prisma', 'schema.prisma')).mtimeMs
    );
  });
  if (stale.length === 0) return;
  const bin = join(repoRoot, 'node_modules', '.bin');
  for (const service of stale) {
    reporter.step(`generating the Prisma client of ${service}…`);
    const run = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'prisma.ts'), 'generate'], {
      cwd: join(repoRoot, 'services', service),
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`prisma generate failed for ${service} (exit ${run.status})`);
  }
}

export async function startServices(
  reporter: Reporter,
  scale: Scale = defaultScale,
  extraEnv: Record<string, string> = {},
) {
  ensurePrismaClients(reporter);
  await withProgress(
    reporter,
    `starting services (${serviceNames.map((s) => `${s}×${scale[s]}`).join(', ')})`,
    async () => {
      // order-api first: its start-up provisions the topics the others subscribe to (they
      // provision too, idempotently; this only avoids four services racing on a cold cluster).
      await startServiceInstance('order-api', 1, reporter, extraEnv);
      const rest: Promise<void>[] = [];
      for (const service of serviceNames) {
        for (let i = service === 'order-api' ? 2 : 1; i <= scale[service]; i++) {
          const env =
            service === 'dashboard' ? { SERVICE_URLS: dashboardTargets(scale), ...extraEnv } : extraEnv;
          rest.push(startServiceInstance(service, i, reporter, env));
        }
      }
      await Promise.all(rest);
    },
  );
}

/** Every instance that has a pid file, whatever the scale it was started with. */
export async function runningInstances(): Promise<{ service: ServiceName; i: number; pid: number }[]> {
  const out: { service: ServiceName; i: number; pid: number }[] = [];
  for (const service of serviceNames) {
    for (let i = 1; i <= 16; i++) {
      const pid = runningPid(instanceName(service, i));
      if (pid !== null) out.push({ service, i, pid });
    }
  }
  return out;
}

export async function stopServices(): Promise<void> {
  // Graceful: SIGTERM runs each service's shutdown (finish, commit, leave the group, flush the outbox).
  // The dashboard first, alone: its shutdown switches back the faults still on, which may start a
  // part again (a crashed consumer, a broker); stopping the rest after it stops those too.
  const stopAll = (names: readonly ServiceName[]) => {
    const all: Promise<boolean>[] = [];
    for (const service of names) {
      for (let i = 1; i <= 16; i++) all.push(stopProcess(instanceName(service, i), 30_000));
    }
    return Promise.all(all);
  };
  await stopAll(['dashboard']);
  await stopAll(serviceNames.filter((s) => s !== 'dashboard'));
}
