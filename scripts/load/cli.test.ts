import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 13: `pnpm rush … > run.json` must give one JSON document. A rush against a port where
// nothing listens needs no stack: every request fails, and the document still has to be whole.
const cli = join(import.meta.dirname, 'cli.ts');
const rush = (...extra: string[]) =>
  spawnSync(
    process.execPath,
    [
      '--conditions=development',
      cli,
      'rush',
      '--rate',
      '4',
      '--hold',
      '1',
      '--ramp',
      '1',
      '--users',
      '3',
      '--url',
      'http://127.0.0.1:9',
      '--no-audit',
      ...extra,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );

describe('pnpm rush output', { timeout: 60_000 }, () => {
  it('writes exactly one JSON document to stdout, progress to stderr', () => {
    const res = rush();
    expect(res.status).toBe(1); // every request failed
    const doc = JSON.parse(res.stdout) as { rush: { failed: number; sent: number }; audit: unknown };
    expect(doc.rush.failed).toBe(doc.rush.sent);
    expect(doc.rush.sent).toBeGreaterThan(0);
    expect(doc.audit).toBeNull();
    expect(res.stderr).toMatch(/^rush [0-9a-f]{8}: async/);
  });

  it('with --json FILE writes the document there and nothing to stdout', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'akaso-rush-')), 'run.json');
    const res = rush('--json', file);
    expect(res.stdout).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('rush.sent');
    expect(res.stderr).toContain(`result written to ${file}`);
  });
});
