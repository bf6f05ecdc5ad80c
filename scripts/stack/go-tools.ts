import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
import { host, mailpit, stripeMock } from './topology.ts';

const versions = readVersions();

/** Builds a Go program once per version with `go install module@version` into the home cache. */
async function ensureGoBinary(
  reporter: Reporter,
  module: string,
  version: string,
  name: string,
): Promise<string> {
  const dir = join(cacheDir, 'go-bin', `${name}-${version}`);
  const bin = join(dir, name);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  await withProgress(reporter, `building ${name} ${version} (go install ${module}@${version})`, () =>
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
  );
  // stripe-mock also serves HTTPS, on 12112 unless told otherwise: pin it beside the HTTP port so
  // AKASO_PORT_OFFSET moves it too (two stacks on one machine otherwise collide there).
  startDetached('stripe-mock', bin, [
    '-http-addr',
    `${host}:${stripeMock.port}`,
    '-https-addr',
    `${host}:${stripeMock.port + 1}`,
  ]);
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
  );
  const dir = join(dataDir, 'mailpit');
  mkdirSync(dir, { recursive: true });
  startDetached('mailpit', bin, [
    '--smtp',
    `${host}:${mailpit.smtpPort}`,
    '--listen',
    `${host}:${mailpit.httpPort}`,
    '--database',
    join(dir, 'mailpit.db'),
    // A workshop sends thousands of mails; keep them all rather than the default 500.
    '--max',
    '0',
    '--disable-version-check',
    // A sink on loopback: no reverse-DNS lookup per SMTP connection, and raw messages stored
    // uncompressed (zstd on every mail was a visible share of Mailpit's CPU under a rush).
    '--smtp-disable-rdns',
    '--compression',
    '0',
  ]);
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

export async function stopGoTools(): Promise<void> {
  await Promise.all([stopProcess('stripe-mock', 10_000), stopProcess('mailpit', 10_000)]);
}

export function wipeMailpit(): void {
  rmSync(join(dataDir, 'mailpit'), { recursive: true, force: true });
}

export const goToolLogs = { stripeMock: logFile('stripe-mock'), mailpit: logFile('mailpit') };
