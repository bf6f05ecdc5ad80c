import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksum, readMigrations, readRepeatable, readReplaces, readSuperseded } from './migrate.ts';

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
    writeFileSync(join(root, '20261124_b', 'replaces'), '20261101000000_old\n');
    expect(readMigrations(root)).toEqual([
      {
        name: '20261123_a',
        sql: 'select 1;\n',
        checksum: checksum('select 1;\n'),
        superseded: [],
        replaces: [],
      },
      {
        name: '20261124_b',
        sql: 'select 2;\n',
        checksum: checksum('select 2;\n'),
        superseded: [b],
        replaces: ['20261101000000_old'],
      },
    ]);
  });
});

describe('readReplaces', () => {
  it('reads one migration name a line, with comments', () => {
    const dir = migrationDir({
      replaces: '# the history\n20261124100000_init\n\n20261125000000_next  # why\n',
    });
    expect(readReplaces(dir)).toEqual(['20261124100000_init', '20261125000000_next']);
  });

  it('refuses what is not a migration name, rather than replacing nothing', () => {
    expect(() => readReplaces(migrationDir({ replaces: 'init\n' }))).toThrow(/not a migration name/);
  });
});

describe('readRepeatable', () => {
  it('gives every .sql file under the folder, named by its path there, in name order', () => {
    const root = mkdtempSync(join(tmpdir(), 'akaso-sql-'));
    mkdirSync(join(root, 'functions'));
    mkdirSync(join(root, 'views'));
    writeFileSync(join(root, 'views', 'a.sql'), 'create or replace view a as select 1;\n');
    writeFileSync(join(root, 'functions', 'f.sql'), 'select 2;\n');
    writeFileSync(join(root, 'functions', 'notes.md'), 'not sql');
    expect(readRepeatable(root)).toEqual([
      { name: 'functions/f.sql', sql: 'select 2;\n', checksum: checksum('select 2;\n') },
      {
        name: 'views/a.sql',
        sql: 'create or replace view a as select 1;\n',
        checksum: checksum('create or replace view a as select 1;\n'),
      },
    ]);
  });

  it('is empty for a service without the folder', () => {
    expect(readRepeatable(join(tmpdir(), 'no-such-folder-akaso'))).toEqual([]);
  });
});
