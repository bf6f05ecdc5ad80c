import { rmSync } from 'node:fs';
import {
  bootstrapServers,
  chargeCounter,
  chargeCounterUrl,
  host,
  jaeger,
  jaegerUrl,
  kafka,
  mailpit,
  postgres,
  postgresUrl,
  saslSslBootstrapServers,
  stripeMock,
} from '@akaso/stack-client';
import { chargeCounterLog, startChargeCounter, stopChargeCounter } from './charge-counter.ts';
import {
  freshBuildS,
  goToolLogs,
  missingGoBinaries,
  startMailpit,
  startStripeMock,
  stopGoTools,
  wipeMailpit,
} from './go-tools.ts';
import {
  buildingNote,
  jaegerBuildLog,
  jaegerBuildState,
  jaegerUpNote,
  startJaegerUnblocking,
  stopJaegerBuild,
  waitForJaegerBuild,
} from './jaeger-build.ts';
import {
  kafkaHealth,
  kafkaJarsPresent,
  kafkaVersion,
  nodeDir,
  startKafka,
  stopKafka,
  wipeKafka,
} from './kafka.ts';
import { kafkaTls } from './kafka-tls.ts';
import { ensureSaslUsers } from './kafka-users.ts';
import { dataDir } from './paths.ts';
import { postgresInfo, startPostgres, stopPostgres, wipePostgres } from './postgres.ts';
import { consoleReporter, logFile, portOpen, type Reporter, runningPid } from './proc.ts';
import { readInstanceState } from './readiness.ts';
import {
  defaultScale,
  instanceName,
  instancePort,
  runningInstances,
  type Scale,
  startServices,
  stopServices,
} from './services.ts';

/**
 * Brings up every real part the pipeline needs, reusing whatever is already healthy.
 * Order matters only for start-up time: the JVMs are slowest, so they are launched first and
 * the rest comes up while they elect a leader.
 */
export interface StartOptions {
  /** Also start the pipeline's services (default true). */
  services?: boolean;
  scale?: Scale;
  serviceEnv?: Record<string, string>;
  /**
   * 'wait' (default): return once Jaeger is up too (tests and the bench read traces).
   * 'background': return when the pipeline is ready, a first build of Jaeger still running.
   */
  jaeger?: 'wait' | 'background';
}

/** Expected on the 2-core machine, said when a start has to download and build (docs/performance.md). */
export const expectedStartS = { firstPipeline: 85, later: 14 } as const;

export async function startStack(
  reporter: Reporter = consoleReporter,
  opts: StartOptions = {},
): Promise<void> {
  const started = Date.now();
  const toBuild = missingGoBinaries();
  const toFetch = [...toBuild, ...(kafkaJarsPresent() ? [] : ['the Kafka jars'])];
  if (toFetch.length > 0) {
    const jaegerNote = toBuild.includes('jaeger')
      ? ` (Jaeger, built in the background: about ${freshBuildS.mailpit + freshBuildS.jaeger} s)`
      : '';
    reporter.step(
      `first start here: fetching and building ${toFetch.join(', ')}. First start on a fresh machine: pipeline ready in about ${expectedStartS.firstPipeline} s${jaegerNote}; later starts: about ${expectedStartS.later} s`,
    );
  }
  let jaegerState = 'up' as 'up' | 'building';
  const stripeMockUp = startStripeMock(reporter);
  const mailpitUp = startMailpit(reporter);
  // Jaeger's first build would share the network and the cores with the stand-ins' builds, which
  // the pipeline waits for: it starts after them. A built Jaeger starts at once.
  const jaegerMayGo = toBuild.includes('jaeger') ? Promise.allSettled([stripeMockUp, mailpitUp]) : null;
  // allSettled, not all: a failure in one part must not abandon the others half-started.
  const results = await Promise.allSettled([
    startKafka(reporter).then(() => ensureSaslUsers(reporter)),
    startPostgres(reporter),
    stripeMockUp,
    startChargeCounter(reporter),
    mailpitUp,
    Promise.resolve(jaegerMayGo)
      .then(() => startJaegerUnblocking(reporter))
      .then((state) => {
        jaegerState = state;
      }),
  ]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    throw new Error(failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n'));
  }
  if (opts.services !== false) await startServices(reporter, opts.scale ?? defaultScale, opts.serviceEnv);
  const took = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (jaegerState === 'building') {
    reporter.done(`pipeline ready in ${took()} (Jaeger still building)`);
    if (opts.jaeger === 'background') return;
    reporter.done(jaegerUpNote(await waitForJaegerBuild(reporter)));
  }
  reporter.done(`stack is up in ${took()}`);
}

export async function stopStack(reporter: Reporter = consoleReporter): Promise<void> {
  // Services first, while the brokers and database they flush to are still up.
  await stopServices();
  // The build first: it would start Jaeger again if it finished in between.
  await stopJaegerBuild();
  await Promise.all([stopKafka(), stopPostgres(), stopGoTools(), stopChargeCounter()]);
  reporter.done('stack stopped');
}

export function wipeStack(): void {
  wipeKafka();
  wipePostgres();
  wipeMailpit();
  rmSync(dataDir, { recursive: true, force: true });
}

export interface Row {
  part: string;
  /** A service instance that listens but whose /readyz is not 200 is 'not ready', with the reason. */
  status: 'up' | 'down' | 'not ready' | 'building';
  where: string;
  logs: string;
}

export async function stackStatus(): Promise<Row[]> {
  const health = await kafkaHealth();
  const rows: Row[] = kafka.nodes.map((n) => ({
    part: `kafka-${n.id} (broker+controller)`,
    status: health.nodesUp.includes(n.id) ? 'up' : 'down',
    where: `${host}:${n.brokerPort} (controller :${n.controllerPort})${health.quorumLeader === n.id ? ' quorum leader' : ''}`,
    logs: `${nodeDir(n)}/logs/server.log`,
  }));
  const pg = postgresInfo();
  rows.push({
    part: `postgresql ${pg.version}`,
    status: (await portOpen(postgres.port)) ? 'up' : 'down',
    where: `${postgresUrl('<db>')}  dbs: ${postgres.databases.join(', ')}`,
    logs: pg.log,
  });
  rows.push({
    part: 'stripe-mock',
    status: runningPid('stripe-mock') !== null && (await portOpen(stripeMock.port)) ? 'up' : 'down',
    where: `http://${host}:${stripeMock.port}`,
    logs: goToolLogs.stripeMock,
  });
  rows.push({
    part: 'charge-counter',
    status: runningPid('charge-counter') !== null && (await portOpen(chargeCounter.port)) ? 'up' : 'down',
    where: `${chargeCounterUrl} → stripe-mock (payment's STRIPE_API_BASE)`,
    logs: chargeCounterLog,
  });
  rows.push({
    part: 'mailpit (SMTP sink)',
    status: runningPid('mailpit') !== null && (await portOpen(mailpit.httpPort)) ? 'up' : 'down',
    where: `smtp://${host}:${mailpit.smtpPort}  inbox http://${host}:${mailpit.httpPort}`,
    logs: goToolLogs.mailpit,
  });
  rows.push(await jaegerRow());
  for (const { service, i } of await runningInstances()) {
    const port = instancePort(service, i);
    const url = `http://${host}:${port}`;
    const state = (await portOpen(port)) ? await readInstanceState(url) : null;
    rows.push({
      part: instanceName(service, i),
      status: state?.status ?? 'down',
      where:
        state?.status === 'not ready'
          ? `${url}  not ready: ${state.detail}`
          : `${url}${service === 'order-api' ? '  (API docs: /docs)' : ''}`,
      logs: logFile(instanceName(service, i)),
    });
  }
  return rows;
}

async function jaegerRow(): Promise<Row> {
  const part = 'jaeger (traces)';
  const build = jaegerBuildState();
  if (build?.running) return { part, status: 'building', where: buildingNote(build), logs: jaegerBuildLog };
  const up = runningPid('jaeger') !== null && (await portOpen(jaeger.uiPort));
  if (!up && build?.error) {
    return { part, status: 'down', where: `the build failed: ${build.error}`, logs: jaegerBuildLog };
  }
  return {
    part,
    status: up ? 'up' : 'down',
    where: `query API ${jaegerUrl} (waterfall: dashboard /trace.html)  OTLP http://${host}:${jaeger.otlpHttpPort}`,
    logs: goToolLogs.jaeger,
  };
}

export function formatTable(rows: Row[]): string {
  const header = { part: 'PART', status: 'STATUS', where: 'WHERE', logs: 'LOGS' };
  const all = [header, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: typeof header) =>
    `${r.part.padEnd(width('part'))}  ${r.status.padEnd(width('status'))}  ${r.where.padEnd(width('where'))}  ${r.logs}`;
  return [
    line(header),
    ...rows.map((r) => line(r)),
    '',
    `Kafka ${kafkaVersion} bootstrap servers: ${bootstrapServers.join(',')}`,
    `  SASL_SSL (PLAIN, SCRAM-SHA-512; CA ${kafkaTls.caFile}): ${saslSslBootstrapServers.join(',')}`,
  ].join('\n');
}
