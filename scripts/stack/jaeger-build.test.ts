import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// paths.ts reads the data directory once, at import: set it before importing the module.
const dataDir = mkdtempSync(join(tmpdir(), 'jaeger-build-test-'));
process.env.AKASO_DATA_DIR = dataDir;
const { buildingNote, jaegerBuildState, stopJaegerBuild } = await import('./jaeger-build.ts');
const { isAlive } = await import('./proc.ts');

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
    // child of its own, as `go build` has its compilers.
    const builder = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const grandchild = await new Promise<number>((resolve) =>
      builder.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    writeFileSync(join(runDir, 'jaeger-build.pid'), `${builder.pid}\n`);
    expect(jaegerBuildState()?.running).toBe(true);

    await stopJaegerBuild();

    expect(isAlive(builder.pid ?? 0)).toBe(false);
    for (let i = 0; i < 50 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(grandchild)).toBe(false);
    expect(jaegerBuildState()?.running).toBe(false);
  });
});
