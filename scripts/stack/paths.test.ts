import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVersions } from './paths.ts';

describe('readVersions', () => {
  it('reads the pins of infra/versions.env', () => {
    const v = readVersions();
    expect(v.KAFKA_VERSION).toMatch(/^4\.\d+\.\d+$/);
    expect(v.NODE_VERSION).toMatch(/^24\./);
  });

  it('names the missing pin', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'akaso-')), 'versions.env');
    writeFileSync(file, '# comment\nNODE_VERSION=24.0.0\n');
    expect(() => readVersions(file)).toThrow(/PNPM_VERSION is missing/);
  });
});
