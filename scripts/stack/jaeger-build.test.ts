import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// paths.ts reads the data directory once, at import: set it before importing the module.
const dataDir = mkdtempSync(join(tmpdir(), 'jaeger-build-test-'));
process.env.AKASO_DATA_DIR = dataDir;
const { buildingNote, jaegerBuildState, stopJaegerBuild } = await import('./jaeger-build.ts');

const runDir = join(dataDir, 'run');

describe('the background Jaeger build', () => {
  beforeAll(() => mkdirSync(runDir, { recursive: true }));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has no state before any build, and is not running without a live pid', () => {
    expect(jaegerBuildState()).toBeNull();
    writeFileSync(
      join(runDir, 'jaeger-build.json'),
      JSON.stringify({ startedAt: 1_000, finishedAt: 61_000 }),
    );
    expect(jaegerBuildState()).toEqual({ startedAt: 1_000, finishedAt: 61_000, running: false });
  });

  it('says how long it has run against what a fresh machine takes', () => {
    expect(buildingNote({ startedAt: 0 }, 42_400)).toMatch(
      /^building since 42 s \(a fresh machine: about \d+ s\)/,
    );
  });

  it('is stopped with everything it spawned (go and its compilers share its process group)', async () => {
    // A stand-in for the builder: a shell (own process group, as startDetached makes it) with a
    // child of its own, as `go build` has its compilers. Both hold the pipe's write end, so its
    // end is seen only once both have exited (a killed child's pipe closes even before it is reaped).
    const builder = spawn('sh', ['-c', 'sleep 60 & echo started; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise((resolve) => builder.stdout.once('data', resolve));
    const allExited = new Promise((resolve) => builder.stdout.once('end', resolve));
    // Until Node has reaped the builder it is a zombie, and a signal-0 probe still finds its pid.
    const reaped = new Promise((resolve) => builder.once('exit', resolve));
    builder.stdout.resume();
    writeFileSync(join(runDir, 'jaeger-build.pid'), `${builder.pid}\n`);
    expect(jaegerBuildState()?.running).toBe(true);

    await stopJaegerBuild();

    await Promise.all([allExited, reaped]);
    expect(jaegerBuildState()?.running).toBe(false);
  });
});
