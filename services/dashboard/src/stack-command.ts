import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one of the local stack's part commands (`pnpm stack kill kafka-2`) as a child process,
 * its output line by line into the fault's log. The dashboard runs the stack's own CLI rather
 * than importing it: a service never imports scripts/, and the CLI is what the labs type.
 */

export type StackVerb = 'kill' | 'start' | 'stop' | 'restart';

export interface StackCommandOptions {
  /** The repository's root (scripts/stack/cli.ts lives under it). */
  root: string;
  /** The Node binary: the dashboard's own, which the stack started. */
  nodePath: string;
  timeoutMs: number;
  log: (line: string) => void;
}

/** Ample for a part to come up: a started service instance waits for its /readyz. */
export const stackCommandTimeoutMs: Record<StackVerb, number> = {
  kill: 30_000,
  stop: 60_000,
  start: 120_000,
  restart: 120_000,
};

// The CLI colours its lines for a terminal; the fault's log is read on a page.
const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function runStackCommand(verb: StackVerb, part: string, opts: StackCommandOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.nodePath,
      ['--conditions=development', join(opts.root, 'scripts', 'stack', 'cli.ts'), verb, part],
      // Inherits the dashboard's environment: what the stack started it with (the Kafka security
      // mode, the flags file) is what a part started from here must get too.
      { cwd: opts.root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        const text = line.replace(ansiColour, '').trimEnd();
        if (!text) continue;
        opts.log(text);
        tail.push(text);
        if (tail.length > 5) tail.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(new Error(`pnpm stack ${verb} ${part} did not finish within ${opts.timeoutMs / 1000} s`));
    }, opts.timeoutMs);
    child.on('error', settle);
    const finish = (code: number | null, signal: NodeJS.Signals | null) =>
      settle(
        code === 0
          ? null
          : new Error(`pnpm stack ${verb} ${part} exited with ${code ?? signal}: ${tail.join(' / ')}`),
      );
    // 'close' once the output is read to its end; 'exit' (a second later) in case a part it
    // started inherited the pipes and holds them open.
    child.on('close', finish);
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 1_000).unref());
  });
}
