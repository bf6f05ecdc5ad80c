/**
 * Jaeger's first build takes minutes (hundreds of modules, a large binary) and only traces need
 * it: the pipeline must not wait for it. On a machine without the binary, `start` hands the build
 * to a detached process at the lowest CPU priority (its compiles take only what the stack leaves
 * idle), which starts Jaeger as soon as the binary exists. The services export to Jaeger's port
 * from their first second; until it listens their spans are dropped without a word
 * (packages/observability traceExportProcessor), and once it listens traces arrive.
 *
 * `pnpm status` shows the build while it runs, `pnpm stop` ends it (its whole process group: go
 * and the compilers it spawned), and the next `start` resumes it from Go's caches.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { host, jaeger, jaegerUrl } from '@akaso/stack-client';
import {
  ensureJaeger,
  freshBuildS,
  jaegerBinary,
  jaegerRunning,
  runJaeger,
  startJaeger,
} from './go-tools.ts';
import { runDir } from './paths.ts';
import {
  isAlive,
  logFile,
  pidFile,
  type Reporter,
  readPid,
  runningPid,
  signal,
  startDetached,
} from './proc.ts';

const name = 'jaeger-build';
const stateFile = join(runDir, 'jaeger-build.json');
export const jaegerBuildLog = logFile(name);

export interface JaegerBuild {
  startedAt: number;
  finishedAt?: number;
  error?: string;
}

/** The last background build, and whether it still runs; null when none ran in this data dir. */
export function jaegerBuildState(): (JaegerBuild & { running: boolean }) | null {
  let state: JaegerBuild;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as JaegerBuild;
  } catch {
    return null;
  }
  return { ...state, running: runningPid(name) !== null };
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** One line for `pnpm status` and the start's summary while the build runs. */
export function buildingNote(state: JaegerBuild, now = Date.now()): string {
  return `building since ${seconds(now - state.startedAt)} s (a fresh machine: about ${freshBuildS.jaeger} s); traces arrive once it is up`;
}

/**
 * Starts Jaeger if its binary is there (as fast as any other part), else hands the build to the
 * background. Never waits for a build: 'building' means the pipeline can go on without it.
 */
export async function startJaegerUnblocking(reporter: Reporter): Promise<'up' | 'building'> {
  if (await jaegerRunning()) {
    reporter.done('jaeger: already running, reusing it');
    return 'up';
  }
  const building = jaegerBuildState();
  if (building?.running) {
    reporter.step(`jaeger: ${buildingNote(building)}`);
    return 'building';
  }
  if (existsSync(jaegerBinary)) {
    await startJaeger(reporter);
    return 'up';
  }
  const state: JaegerBuild = { startedAt: Date.now() };
  mkdirSync(runDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state));
  startDetached(name, process.execPath, ['--conditions=development', import.meta.filename], {
    log: jaegerBuildLog,
  });
  reporter.step(
    `jaeger: building in the background at low priority (a fresh machine: about ${freshBuildS.jaeger} s); the pipeline does not wait for it, traces arrive once it is up (log: ${jaegerBuildLog})`,
  );
  return 'building';
}

/**
 * Follows a background build until Jaeger is up, saying every `everyMs` how long it has run.
 * Throws with the log's place when the build failed.
 */
export async function waitForJaegerBuild(reporter: Reporter, everyMs = 15_000): Promise<JaegerBuild> {
  let lastSaid = Date.now();
  for (;;) {
    const state = jaegerBuildState();
    if (!state) throw new Error('no Jaeger build was started');
    if (!state.running) {
      if (state.error || state.finishedAt === undefined) {
        throw new Error(`jaeger: the build failed: ${state.error ?? 'it stopped'} (log: ${jaegerBuildLog})`);
      }
      return state;
    }
    if (Date.now() - lastSaid >= everyMs) {
      reporter.step(`jaeger: ${buildingNote(state)}`);
      lastSaid = Date.now();
    }
    await sleep(500);
  }
}

/** The line that tells traces now arrive, with what the build took. */
export function jaegerUpNote(state: JaegerBuild): string {
  const took =
    state.finishedAt === undefined ? '' : ` (built in ${seconds(state.finishedAt - state.startedAt)} s)`;
  return `jaeger: up${took}: traces arrive from now on (each order's waterfall: the dashboard, /trace.html); query API ${jaegerUrl}, OTLP http://${host}:${jaeger.otlpHttpPort}`;
}

/** Ends a background build and everything it spawned (go, compile, link): one process group. */
export async function stopJaegerBuild(timeoutMs = 10_000): Promise<void> {
  const pid = readPid(name);
  if (pid === null) return;
  if (isAlive(pid)) {
    signal(-pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) signal(-pid, 'SIGKILL');
  }
  rmSync(pidFile(name), { force: true });
}

/** The detached builder: compile at the lowest priority, then start Jaeger and record the outcome. */
async function buildInBackground(): Promise<void> {
  const log: Reporter = {
    step: (m) => console.log(`[jaeger-build] ${m}`),
    done: (m) => console.log(`[jaeger-build] ${m}`),
    warn: (m) => console.log(`[jaeger-build] ${m}`),
  };
  const state = jaegerBuildState() ?? { startedAt: Date.now() };
  try {
    await runJaeger(await ensureJaeger(log, { lowPriority: true }), log);
    writeFileSync(stateFile, JSON.stringify({ startedAt: state.startedAt, finishedAt: Date.now() }));
    log.done(jaegerUpNote({ ...state, finishedAt: Date.now() }));
  } catch (err) {
    const error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    writeFileSync(stateFile, JSON.stringify({ startedAt: state.startedAt, error }));
    log.warn(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  } finally {
    // Done either way: a stale pid file could name an unrelated process later.
    rmSync(pidFile(name), { force: true });
  }
}

if (import.meta.main) await buildInBackground();
