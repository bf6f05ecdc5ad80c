import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { host, jaeger, jaegerUrl, mailpit, stripeMock } from '@akaso/stack-client';
import { cacheDir, dataDir, readVersions } from './paths.ts';
import {
  logFile,
  portOpen,
  type Reporter,
  runningPid,
  runToLog,
  startDetached,
  stopProcess,
  waitFor,
  withProgress,
} from './proc.ts';

const versions = readVersions();

/**
 * What each build takes on a fresh 2-core machine (empty Go caches, modules from the proxy),
 * shown while it runs so nobody wonders whether it hangs. docs/performance.md has the runs.
 */
export const freshBuildS = { stripeMock: 45, mailpit: 70, jaeger: 240 } as const;

/**
 * The Go runtime of the two stand-ins (the SMTP sink, the card provider), sized for a light
 * server on a 2-core machine shared with the whole stack: one P (no idle threads spinning and
 * stealing work: scheduler wake-ups were the top of Mailpit's `perf` profile under a rush), and
 * the collector run by a memory limit instead of by heap growth. The limit is also what each
 * holds from then on (nothing is collected below it), so each has its own, a little above its
 * live heap: stripe-mock keeps its parsed API spec alive, Mailpit almost nothing (its messages
 * are in SQLite). What each step saved per order is in docs/performance.md ("The Go stand-ins").
 * docker-compose.yml sets the same.
 */
const onePLimitedGc = { GOMAXPROCS: '1', GOGC: 'off' } as const;
export const standInGoEnv = {
  stripeMock: { ...onePLimitedGc, GOMEMLIMIT: '64MiB' },
  mailpit: { ...onePLimitedGc, GOMEMLIMIT: '24MiB' },
} as const;

/**
 * Jaeger's Go heap: collected as usual (GOGC), and harder near this soft limit, which sits above
 * what its bounded in-memory store (jaegerMaxTraces) keeps alive. docker-compose.yml sets the same.
 */
export const jaegerGoEnv = { GOMEMLIMIT: '128MiB' } as const;

/**
 * The traces Jaeger keeps in memory, the oldest dropped first: minutes of a rush (the services
 * start at most TRACES_MAX_PER_SECOND new traces a second), hours of a workshop's single orders.
 * docker-compose.yml sets the same.
 */
export const jaegerMaxTraces = 1500;

const goBinary = (name: string, version: string) => join(cacheDir, 'go-bin', `${name}-${version}`, name);

/** The Go programs a start would have to build first (a fresh machine: all three). */
export function missingGoBinaries(): string[] {
  return [
    ['stripe-mock', versions.STRIPE_MOCK_VERSION],
    ['mailpit', versions.MAILPIT_VERSION],
    ['jaeger', versions.JAEGER_MODULE_VERSION],
  ].flatMap(([name = '', version = '']) => (existsSync(goBinary(name, version)) ? [] : [name]));
}

/** Builds a Go program once per version with `go install module@version` into the home cache. */
async function ensureGoBinary(
  reporter: Reporter,
  module: string,
  version: string,
  name: string,
  freshMachineS: number,
): Promise<string> {
  const bin = goBinary(name, version);
  const dir = dirname(bin);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const label = `building ${name} ${version} (go install ${module}@${version}; a fresh machine: about ${freshMachineS} s)`;
  await withProgress(reporter, label, () =>
    runToLog('go', ['install', `${module}@${version}`], join(dataDir, 'logs', `go-install-${name}.log`), {
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
    }),
  );
  if (!existsSync(bin)) throw new Error(`go install did not produce ${bin}`);
  return bin;
}

export async function startStripeMock(reporter: Reporter): Promise<void> {
  if (runningPid('stripe-mock') !== null && (await portOpen(stripeMock.port))) {
    reporter.done('stripe-mock: already running, reusing it');
    return;
  }
  const bin = await ensureGoBinary(
    reporter,
    'github.com/stripe/stripe-mock',
    versions.STRIPE_MOCK_VERSION,
    'stripe-mock',
    freshBuildS.stripeMock,
  );
  // stripe-mock also serves HTTPS, on 12112 unless told otherwise: pin it beside the HTTP port so
  // AKASO_PORT_OFFSET moves it too (two stacks on one machine otherwise collide there).
  startDetached(
    'stripe-mock',
    bin,
    ['-http-addr', `${host}:${stripeMock.port}`, '-https-addr', `${host}:${stripeMock.port + 1}`],
    { env: { ...process.env, ...standInGoEnv.stripeMock } },
  );
  await waitFor('stripe-mock', () => portOpen(stripeMock.port), { timeoutMs: 30_000 });
  reporter.done(`stripe-mock: listening on http://${host}:${stripeMock.port}`);
}

/**
 * Mailpit is the SMTP sink in both worlds: the axllent/mailpit image under compose, the same
 * program built from source here. It keeps every message and lists them over HTTP
 * (GET /api/v1/messages) and in its web inbox.
 */
export async function startMailpit(reporter: Reporter): Promise<void> {
  if (runningPid('mailpit') !== null && (await portOpen(mailpit.httpPort))) {
    reporter.done('mailpit: already running, reusing it');
    return;
  }
  const bin = await ensureGoBinary(
    reporter,
    'github.com/axllent/mailpit',
    versions.MAILPIT_VERSION,
    'mailpit',
    freshBuildS.mailpit,
  );
  const dir = join(dataDir, 'mailpit');
  mkdirSync(dir, { recursive: true });
  startDetached(
    'mailpit',
    bin,
    [
      '--smtp',
      `${host}:${mailpit.smtpPort}`,
      '--listen',
      `${host}:${mailpit.httpPort}`,
      '--database',
      join(dir, 'mailpit.db'),
      // A workshop sends thousands of mails: keep the newest 100,000 rather than the default 500,
      // but not all of them: Mailpit's CPU per mail grows with what it stores (docs/performance.md).
      '--max',
      '100000',
      '--disable-version-check',
      // A sink on loopback: no reverse-DNS lookup per SMTP connection, and raw messages stored
      // uncompressed (zstd on every mail was a visible share of Mailpit's CPU under a rush).
      '--smtp-disable-rdns',
      '--compression',
      '0',
    ],
    { env: { ...process.env, ...standInGoEnv.mailpit } },
  );
  await waitFor(
    'mailpit',
    async () => {
      const res = await fetch(`http://${host}:${mailpit.httpPort}/livez`);
      return res.ok && (await portOpen(mailpit.smtpPort));
    },
    { timeoutMs: 30_000 },
  );
  reporter.done(`mailpit: SMTP ${host}:${mailpit.smtpPort}, inbox http://${host}:${mailpit.httpPort}`);
}

export const jaegerBinary = goBinary('jaeger', versions.JAEGER_MODULE_VERSION);

/**
 * Jaeger's module carries replace directives, which `go install module@version` refuses: the
 * pinned module is downloaded (`go mod download`, checksummed by the Go proxy's sumdb) and its
 * `jaeger` command built in place, with the module's own go.mod — the build its release uses.
 * The binary is written under a temporary name and renamed when complete: a build stopped half
 * way (`pnpm stop` during a first start) leaves nothing that looks built.
 */
export async function ensureJaeger(reporter: Reporter, { lowPriority = false } = {}): Promise<string> {
  const version = versions.JAEGER_MODULE_VERSION;
  const module = 'github.com/jaegertracing/jaeger';
  const bin = jaegerBinary;
  if (existsSync(bin)) return bin;
  mkdirSync(dirname(bin), { recursive: true });
  const partial = `${bin}.partial`;
  const log = join(dataDir, 'logs', 'go-build-jaeger.log');
  await withProgress(
    reporter,
    `building jaeger ${versions.JAEGER_VERSION} (${module}@${version}; a fresh machine: about ${freshBuildS.jaeger} s)`,
    async () => {
      // nice, not the builder's own priority: Jaeger, started by the same process, inherits that.
      const go = (args: string[]): [string, string[]] =>
        lowPriority ? ['nice', ['-n', '19', 'go', ...args]] : ['go', args];
      await runToLog(...go(['mod', 'download', `${module}@${version}`]), log);
      const src = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
        encoding: 'utf8',
      });
      const moduleDir = (JSON.parse(src) as { Dir: string }).Dir;
      await runToLog(...go(['build', '-trimpath', '-o', partial, './cmd/jaeger']), log, {
        cwd: moduleDir,
        env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      });
      renameSync(partial, bin);
    },
  );
  if (!existsSync(bin)) throw new Error(`the jaeger build did not produce ${bin} (log: ${log})`);
  return bin;
}

/** Jaeger v2 in one process, traces in memory, every port on loopback and moved by the offset. */
function jaegerConfig(): string {
  const at = (port: number) => `${host}:${port}`;
  return `# Written by scripts/stack/go-tools.ts on every start.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: ${at(jaeger.healthPort)}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: ${at(jaeger.uiPort)}
    grpc:
      endpoint: ${at(jaeger.queryGrpcPort)}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${jaegerMaxTraces}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${at(jaeger.otlpGrpcPort)}
      http:
        endpoint: ${at(jaeger.otlpHttpPort)}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/**
 * Jaeger, the trace store: the services export spans over OTLP/HTTP, people read them in its
 * UI and the tests and lab 13 through its HTTP API (/api/traces). Traces live in memory: a
 * restart forgets them.
 */
export async function startJaeger(reporter: Reporter): Promise<void> {
  if (await jaegerRunning()) {
    reporter.done('jaeger: already running, reusing it');
    return;
  }
  await runJaeger(await ensureJaeger(reporter), reporter);
}

export async function jaegerRunning(): Promise<boolean> {
  return runningPid('jaeger') !== null && (await portOpen(jaeger.uiPort));
}

/** Starts the built binary and waits until it takes spans and answers queries. */
export async function runJaeger(bin: string, reporter: Reporter): Promise<void> {
  const dir = join(dataDir, 'jaeger');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(config, jaegerConfig());
  startDetached('jaeger', bin, ['--config', config], { env: { ...process.env, ...jaegerGoEnv } });
  await waitFor(
    'jaeger',
    async () => {
      const res = await fetch(`http://${host}:${jaeger.healthPort}/status`);
      return res.ok && (await portOpen(jaeger.otlpHttpPort)) && (await portOpen(jaeger.uiPort));
    },
    { timeoutMs: 60_000 },
  );
  reporter.done(
    `jaeger: OTLP http://${host}:${jaeger.otlpHttpPort}, query API ${jaegerUrl} (the dashboard draws its traces)`,
  );
}

export async function stopGoTools(): Promise<void> {
  await Promise.all([
    stopProcess('stripe-mock', 10_000),
    stopProcess('mailpit', 10_000),
    stopProcess('jaeger', 10_000),
  ]);
}

export function wipeMailpit(): void {
  rmSync(join(dataDir, 'mailpit'), { recursive: true, force: true });
}

export const goToolLogs = {
  stripeMock: logFile('stripe-mock'),
  mailpit: logFile('mailpit'),
  jaeger: logFile('jaeger'),
};
