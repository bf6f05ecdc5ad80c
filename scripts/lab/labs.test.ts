import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../stack/paths.ts';
import { formatReport, LabReport } from './lab.ts';
import { labs } from './labs.ts';
import { findLab } from './run.ts';

const docFor = (id: number, slug: string) =>
  join('docs', 'workshop', `${String(id).padStart(2, '0')}-${slug}.md`);

describe('the lab registry', () => {
  it('has labs 1 to 13, each with its page in docs/workshop, linked from the README', () => {
    expect(labs.map((l) => l.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const readme = readFileSync(join(repoRoot, 'docs', 'workshop', 'README.md'), 'utf8');
    for (const lab of labs) {
      const doc = docFor(lab.id, lab.slug);
      expect(existsSync(join(repoRoot, doc)), doc).toBe(true);
      expect(readme).toContain(`](${doc.split('/').pop()})`);
      expect(readFileSync(join(repoRoot, doc), 'utf8')).toContain(`pnpm lab ${lab.id} verify`);
    }
  });

  it('finds a lab by number or slug and refuses anything else, listing what exists', () => {
    expect(findLab('6').slug).toBe('replication-failover');
    expect(findLab('log-compaction').id).toBe(8);
    expect(() => findLab('99')).toThrow(/no lab 99; labs: 1 sync-vs-async, 2 keys-and-partitions/);
    expect(() => findLab(undefined)).toThrow(/no lab \(none given\)/);
  });
});

describe('LabReport', () => {
  it('passes only when there is at least one check and all of them passed', () => {
    const r = new LabReport();
    expect(r.ok).toBe(false);
    r.check('a', true);
    expect(r.ok).toBe(true);
    r.fail('b', new Error('boom'));
    expect(r.ok).toBe(false);
    const text = formatReport(findLab('1'), r, 1234);
    expect(text).toContain('✗ b: boom');
    expect(text).toMatch(/FAIL: lab 1 \(1\.2 s\)$/);
  });
});
