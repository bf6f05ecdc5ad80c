import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksum, readMigrations, readSuperseded } from './migrate.ts';

const a = 'a'.repeat(64);
const b = '0123456789abcdef'.repeat(4);

function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'akaso-migration-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('readSuperseded', () => {
  it('reads one checksum a line, with notes and comments', () => {
    const dir = migrationDir({
      'superseded-checksums': `# why these\n${a}  until c2bff9b: held the outbox\n\n${b}\n`,
    });
    expect(readSuperseded(dir)).toEqual([a, b]);
  });

  it('is empty when the migration has no list', () => {
    expect(readSuperseded(migrationDir({}))).toEqual([]);
  });

  it.each([
    ['a short checksum', 'abc123  typo'],
    ['upper-case hex, which no recorded checksum has', a.toUpperCase()],
    ['a note without a checksum', 'the old one'],
  ])('refuses %s rather than accepting nothing or anything', (_what, line) => {
    const dir = migrationDir({ 'superseded-checksums': `${line}\n` });
    expect(() => readSuperseded(dir)).toThrow(/not a sha256 checksum/);
  });
});

describe('readMigrations', () => {
  it('gives each migration, in name order, its checksum and superseded list', () => {
    const root = mkdtempSync(join(tmpdir(), 'akaso-migrations-'));
    for (const [name, sql, superseded] of [
      ['20261124_b', 'select 2;\n', `${b}\n`],
      ['20261123_a', 'select 1;\n', null],
    ] as const) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'migration.sql'), sql);
      if (superseded) writeFileSync(join(root, name, 'superseded-checksums'), superseded);
    }
    expect(readMigrations(root)).toEqual([
      { name: '20261123_a', sql: 'select 1;\n', checksum: checksum('select 1;\n'), superseded: [] },
      { name: '20261124_b', sql: 'select 2;\n', checksum: checksum('select 2;\n'), superseded: [b] },
    ]);
  });
});
