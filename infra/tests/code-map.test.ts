import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README and docs/architecture.md's map of the code send readers to files: a file that moved
// or went away must fail here, not in a newcomer's hands.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

/** The text under a `## heading`, up to the next heading of that level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + heading.length + 4);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/**
 * The repository paths named in backticks: anything with a slash that is not a URL, a URL path,
 * a home folder, a glob or a placeholder, and root files such as `docker-compose.yml`.
 */
function backtickedPaths(markdown: string): string[] {
  const tokens = [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
  return tokens.filter(
    (t) =>
      !/[\s<>*…~]|:\/\/|^\//.test(t) &&
      (t.includes('/') || /^\.?[\w-][\w.-]*\.(ts|js|md|yml|yaml|json|env|example|sql|sh)$/.test(t)),
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** Relative links of a markdown file, resolved from the repository root, with their anchors. */
function relativeLinks(file: string): { target: string; anchor: string | null }[] {
  return [...read(file).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((href) => !/^[a-z]+:/.test(href) && !href.startsWith('#'))
    .map((href) => {
      const [path = '', anchor] = href.split('#');
      return { target: join(dirname(file), path), anchor: anchor ?? null };
    });
}

describe('the paths the front door and the map of the code name', () => {
  const map = section(read('docs/architecture.md'), 'Map of the code');

  it('finds paths in backticks and leaves the rest', () => {
    expect(
      backtickedPaths(
        '`packages/kafka/src/` `docker-compose.yml` `.env.example` `.env` `pnpm test` `min.insync.replicas=2` `/readyz` `bench/results/<time>.json` `postgresql://x@h/db` `~/.cache/a` `outbox_enqueue`',
      ),
    ).toEqual(['packages/kafka/src/', 'docker-compose.yml', '.env.example']);
  });

  it('the map names the home of each rule, and every path it names exists', () => {
    const paths = backtickedPaths(map);
    for (const rule of [
      'quota',
      'outbox',
      'envelope',
      'delivery core',
      'dead-letter',
      'email dedupe',
      'Stripe idempotency key',
      'status transition',
      'provisioning',
    ])
      expect(map.toLowerCase(), rule).toContain(rule.toLowerCase());
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(repoRoot, p)))).toEqual([]);
  });

  it('every path the README names exists', () => {
    const paths = backtickedPaths(read('README.md'));
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(repoRoot, p)))).toEqual([]);
  });

  it('every relative link of the README and the docs it sends to leads somewhere', () => {
    const broken: string[] = [];
    for (const file of ['README.md', 'docs/architecture.md', 'docs/performance.md', 'docs/reference.md']) {
      for (const { target, anchor } of relativeLinks(file)) {
        if (!existsSync(join(repoRoot, target))) broken.push(`${file}: ${target}`);
        else if (anchor && target.endsWith('.md')) {
          const headings = [...read(target).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] as string));
          if (!headings.includes(anchor)) broken.push(`${file}: ${target}#${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
