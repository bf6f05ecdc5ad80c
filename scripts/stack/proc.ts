import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logDir, runDir } from './paths.ts';

export interface Reporter {
  step(message: string): void;
  done(message: string): void;
  warn(message: string): void;
}

export const consoleReporter: Reporter = {
  step: (m) => console.error(`\x1b[1;34m[stack]\x1b[0m ${m}`),
  done: (m) => console.error(`\x1b[1;32m[stack]\x1b[0m ${m}`),
  warn: (m) => console.error(`\x1b[1;33m[stack]\x1b[0m ${m}`),
};

export const silentReporter: Reporter = { step() {}, done() {}, warn() {} };

/** Runs a long task and, while it runs, says every few seconds that it is still running. */
export async function withProgress<T>(reporter: Reporter, label: string, task: () => Promise<T>): Promise<T> {
  const started = Date.now();
  reporter.step(`${label}…`);
  const timer = setInterval(() => {
    reporter.step(`${label}… ${Math.round((Date.now() - started) / 1000)}s`);
  }, 5_000);
  try {
    const result = await task();
    reporter.done(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return result;
  } finally {
    clearInterval(timer);
  }
}

export function pidFile(name: string): string {
  return join(runDir, `${name}.pid`);
}

export function logFile(name: string): string {
  return join(logDir, `${name}.log`);
}

export function readPid(name: string): number | null {
  const file = pidFile(name);
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (e.g. PostgreSQL under its own user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runningPid(name: string): number | null {
  const pid = readPid(name);
  return pid !== null && isAlive(pid) ? pid : null;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Defaults to <data>/logs/<name>.log. */
  log?: string;
}

/**
 * Starts a long-running process detached from this one (it outlives `pnpm start`), output to a
 * log file rather than the terminal, and records its pid so `pnpm stop` can find it.
 */
export function startDetached(
  name: string,
  command: string,
  args: string[],
  opts: SpawnOptions = {},
): number {
  const log = opts.log ?? logFile(name);
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(runDir, { recursive: true });
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    child.unref();
    writeFileSync(pidFile(name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, wait for a clean exit, SIGKILL only if it does not come. Returns true if it had to kill. */
export async function stopProcess(name: string, timeoutMs = 30_000): Promise<boolean> {
  const pid = readPid(name);
  if (pid === null) return false;
  let killed = false;
  if (isAlive(pid)) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      signal(pid, 'SIGKILL');
      killed = true;
      while (isAlive(pid)) await sleep(50);
    }
  }
  rmSync(pidFile(name), { force: true });
  return killed;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Thrown by a waitFor check to give up at once (the process it waits for has died). */
export class StopWaiting extends Error {}

/** Polls `check` until it returns true; fails with `what` and the last error after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${detail}`);
}

/** Runs a command to completion, output to a log file; rejects with the log's tail on failure. */
export function runToLog(
  command: string,
  args: string[],
  log: string,
  opts: SpawnOptions = {},
): Promise<void> {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
    child.once('error', (err) => {
      closeSync(fd);
      reject(new Error(`${command} could not start: ${err.message}`));
    });
    child.once('exit', (code) => {
      closeSync(fd);
      if (code === 0) return resolve();
      const tail = readFileSync(log, 'utf8').split('\n').slice(-25).join('\n');
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}; see ${log}\n${tail}`));
    });
  });
}

/** Runs a command and returns its stdout (for short admin tools). */
export function capture(command: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
