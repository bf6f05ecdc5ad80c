import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/paths.ts';
import { waitFor } from '../../scripts/stack/proc.ts';
import { instancePort, type ServiceName, serviceEnv } from '../../scripts/stack/services.ts';

// The Dockerfile's steps, run here without Docker, as a build would run them: on a copy of the
// build context that honours .dockerignore, `pnpm fetch` from the lockfile alone, `install
// --offline` from the store only, build, `pnpm deploy` one service with
// production dependencies only; then the deployed folder runs as an unprivileged user in a folder
// it cannot write (the image's /app belongs to root), and the image's HEALTHCHECK command runs.
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'akaso-deploy-'));
const context = join(work, 'repo');
// pnpm's own store, the one the workspace install filled from the same lockfile: `pnpm fetch`
// still has to find every package of the lockfile there (with nothing but the lockfile, the
// workspace file and the patches in the context), but downloads nothing twice (a fresh store per
// run downloaded every package again: minutes of a CI run).

function pnpm(args: string[], cwd = context, beforeRetry: () => void = () => {}) {
  const execpath = process.env.npm_execpath;
  const [cmd, argv] = execpath?.includes('pnpm') ? [process.execPath, [execpath, ...args]] : ['pnpm', args];
  // A step that talks to the registry (fetch, the legacy deploy) retries on its own when the
  // registry cannot be reached (it sat for 20 minutes once, in a CI run without the machine's CA
  // certificates): each try is bounded, and tried once more.
  for (let attempt = 1; ; attempt++) {
    const res = spawnSync(cmd, argv, {
      cwd,
      encoding: 'utf8',
      // No stdin: a pnpm that wants to ask something gets an answer (EOF), it does not wait.
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 420_000,
      env: { ...process.env, CI: 'true' },
    });
    if (res.status === 0) return res.stdout;
    const outcome = res.signal ? `timed out (${res.signal})` : `failed (exit ${res.status})`;
    if (attempt < 2 && res.signal) {
      beforeRetry();
      continue;
    }
    throw new Error(`pnpm ${args.join(' ')} ${outcome}:\n${res.stdout}\n${res.stderr}`);
  }
}

/** .dockerignore as Docker reads it: a path is left out if it or a folder above it matches. */
function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('exceptions (!) are not handled here');
  const regexes = patterns.map((p) => {
    const source = p
      .replace(/^\/+|\/+$/g, '')
      .split(/(\*\*\/|\*|\?)/)
      .map((part) =>
        part === '**/'
          ? '(?:.*/)?'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return new RegExp(`^${source}$`);
  });
  return (path) => {
    const parts = path.split('/');
    return parts.some((_, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
  };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

/** The HEALTHCHECK's CMD (exec form), run as Docker would run it inside the container. */
function healthcheck(port: number): number | null {
  const cmd = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  const [exe, ...args] = JSON.parse(cmd ?? '[]') as string[];
  expect(exe).toBe('node');
  return spawnSync(process.execPath, args, { env: { PORT: String(port) }, timeout: 10_000 }).status;
}

// When the tests run as root, the service runs as `nobody`, with a copy of this Node binary that
// `nobody` may execute (the cached one may sit under a private home folder).
const asRoot = process.getuid?.() === 0;
const node = asRoot ? join(work, 'node') : process.execPath;

beforeAll(() => {
  if (asRoot) {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  const ignored = dockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
  // COPY pnpm-lock.yaml pnpm-workspace.yaml ./ + COPY infra/patches, then pnpm fetch: the lockfile
  // alone must bring every package into the store.
  mkdirSync(context, { recursive: true });
  for (const file of ['pnpm-lock.yaml', 'pnpm-workspace.yaml'])
    copyFileSync(join(repoRoot, file), join(context, file));
  cpSync(join(repoRoot, 'infra', 'patches'), join(context, 'infra', 'patches'), { recursive: true });
  pnpm(['fetch', '--frozen-lockfile']);
  // COPY . . (what .dockerignore lets through), then an install that may not use the network.
  cpSync(repoRoot, context, {
    recursive: true,
    filter: (src) => src === repoRoot || !ignored(relative(repoRoot, src).split('\\').join('/')),
  });
  pnpm(['install', '--frozen-lockfile', '--offline']);
  pnpm(['build']);
}, 1_500_000);

describe('the build context', () => {
  it('leaves out what .dockerignore names, local secrets included', () => {
    const ignored = dockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
    for (const path of ['.env', '.data/kafka', 'node_modules', 'services/payment/node_modules/x', '.git'])
      expect(ignored(path), path).toBe(true);
    for (const path of ['.env.example', 'services/payment/src/main.ts', 'pnpm-lock.yaml'])
      expect(ignored(path), path).toBe(false);
    expect(existsSync(join(context, '.data', 'kafka'))).toBe(false); // (the build adds .data/prisma)
  });
});

describe.each(['order-api', 'inventory', 'payment', 'email', 'dashboard'] as ServiceName[])(
  'the deployed %s',
  (service) => {
    it('has production dependencies only, starts against the stack, and stops cleanly on SIGTERM', async () => {
      const out = join(work, `app-${service}`);
      // As in the Dockerfile: the legacy deploy resolves versions again, so it may use the registry.
      pnpm(['deploy', '--legacy', '--filter', `@akaso/${service}`, '--prod', out], context, () =>
        rmSync(out, { recursive: true, force: true }),
      );
      expect(existsSync(join(out, 'dist', 'main.js'))).toBe(true);
      // The dashboard has no database; it and order-api serve a page from public/.
      if (service !== 'dashboard') expect(existsSync(join(out, 'prisma', 'migrations'))).toBe(true);
      if (service === 'dashboard' || service === 'order-api')
        expect(existsSync(join(out, 'public', 'index.html'))).toBe(true);
      const installed = readdirSync(join(out, 'node_modules', '.pnpm'));
      for (const devOnly of ['vitest', 'prisma@', 'typescript@', '@biomejs']) {
        expect(
          installed.some((d) => d.startsWith(devOnly)),
          devOnly,
        ).toBe(false);
      }

      // As in the image: the files belong to root and nobody else may write them; the service
      // runs as an unprivileged user (here `nobody` when the test runs as root).
      spawnSync('chmod', ['-R', 'go-w,a+rX', out]);
      chmodSync(work, 0o755);
      const port = instancePort(service, 9);
      expect(healthcheck(port)).not.toBe(0); // nothing listens yet
      const child = spawn(node, ['dist/main.js'], {
        cwd: out,
        env: { ...serviceEnv(service, 9), NODE_ENV: 'production', LOG_LEVEL: 'warn', HOME: '/nonexistent' },
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      try {
        await waitFor(
          `deployed ${service} to be ready on ${port}`,
          async () => {
            if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr}`);
            const res = await fetch(`http://127.0.0.1:${port}/readyz`);
            return res.ok;
          },
          { timeoutMs: 60_000, intervalMs: 300 },
        );
        expect(healthcheck(port)).toBe(0);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exitOf(child)).toBe(0);
      // The deploy may be tried twice (see pnpm()).
    }, 900_000);
  },
);
