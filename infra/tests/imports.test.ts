/**
 * Dependencies point down: a package or a service imports another package only through a
 * declared workspace dependency (`@akaso/<name>` in its package.json), never by a relative path
 * out of its own folder (into scripts/, another package or another service), which pnpm cannot
 * see and a published build would not carry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..');

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Every module specifier a TypeScript source names: static imports and re-exports, dynamic imports. */
export function specifiersOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/g))
    out.push(m[1] as string);
  for (const m of source.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/**
 * Why `specifier`, imported by `file` of the workspace package at `packageDir`, breaks the rule,
 * or null. A test file (`*.test.ts`) may also use the package's devDependencies.
 */
export function violation(
  packageDir: string,
  manifest: Manifest,
  file: string,
  specifier: string,
): string | null {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    if (target === packageDir || target.startsWith(packageDir + sep)) return null;
    const where = relative(repoRoot, target);
    return where.split(sep)[0] === 'scripts'
      ? `imports ${where} from scripts/ (tools depend on packages, not the other way round)`
      : `imports ${where} by a relative path out of its package (declare a workspace dependency)`;
  }
  const name = /^@akaso\/[^/]+/.exec(specifier)?.[0];
  if (name === undefined) return null;
  const declared = {
    ...manifest.peerDependencies,
    ...manifest.dependencies,
    ...(file.endsWith('.test.ts') ? manifest.devDependencies : {}),
  };
  return name in declared ? null : `imports ${name}, which its package.json does not declare`;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'generated') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs)$/.test(entry) ? [path] : [];
  });
}

const workspacePackages = ['packages', 'services'].flatMap((group) =>
  readdirSync(join(repoRoot, group))
    .map((name) => join(repoRoot, group, name))
    .filter((dir) => statSync(join(dir, 'src'), { throwIfNoEntry: false })?.isDirectory()),
);

describe('imports of packages/*/src and services/*/src', () => {
  it('finds the workspace packages', () => {
    expect(workspacePackages.map((d) => relative(repoRoot, d))).toEqual(
      expect.arrayContaining(['packages/kafka', 'packages/testkit', 'services/order-api']),
    );
  });

  for (const dir of workspacePackages) {
    it(`${relative(repoRoot, dir)}: nothing from scripts/ or another package's files, every @akaso/* declared`, () => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      const found = sources(join(dir, 'src')).flatMap((file) =>
        specifiersOf(readFileSync(file, 'utf8'))
          .map((s) => violation(dir, manifest, file, s))
          .filter((v): v is string => v !== null)
          .map((v) => `${relative(repoRoot, file)} ${v}`),
      );
      expect(found).toEqual([]);
    });
  }
});

describe('the rule itself', () => {
  const dir = join(repoRoot, 'packages', 'testkit');
  const file = join(dir, 'src', 'index.ts');
  const manifest: Manifest = {
    dependencies: { '@akaso/kafka': 'workspace:*' },
    devDependencies: { '@akaso/db': 'workspace:*' },
  };

  it('refuses scripts/, another package by path, and an undeclared workspace package', () => {
    expect(violation(dir, manifest, file, '../../../scripts/load/audit.ts')).toMatch(/from scripts\//);
    expect(violation(dir, manifest, file, '../../kafka/src/index.ts')).toMatch(/out of its package/);
    expect(violation(dir, manifest, file, '@akaso/contracts')).toMatch(/does not declare/);
    expect(violation(dir, manifest, file, '@akaso/db')).toMatch(/does not declare/);
  });

  it('accepts its own files, declared packages, devDependencies in tests, and third parties', () => {
    expect(violation(dir, manifest, file, './browser.ts')).toBeNull();
    expect(violation(dir, manifest, file, '@akaso/kafka')).toBeNull();
    expect(violation(dir, manifest, join(dir, 'src', 'a.test.ts'), '@akaso/db')).toBeNull();
    expect(violation(dir, manifest, file, 'pg')).toBeNull();
  });

  it('reads every kind of specifier', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '@akaso/b';",
      "export { c } from '../c.ts';",
      "import './side-effect.ts';",
      "const d = await import('./d.ts');",
      'import {\n  e,\n  f,\n} from "./ef.ts";',
    ].join('\n');
    expect(specifiersOf(source).sort()).toEqual(
      ['./a.ts', '@akaso/b', '../c.ts', './side-effect.ts', './d.ts', './ef.ts'].sort(),
    );
  });
});
