import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/paths.ts';
import { waitFor } from '../../scripts/stack/proc.ts';
import { instancePort, type ServiceName, serviceEnv } from '../../scripts/stack/services.ts';

// The Dockerfile's build steps, run here without Docker: build the workspace, `pnpm deploy` one
// service with production dependencies only, and start the deployed folder against the stack.
function pnpm(args: string[]) {
  const execpath = process.env.npm_execpath;
  const [cmd, argv] = execpath?.includes('pnpm') ? [process.execPath, [execpath, ...args]] : ['pnpm', args];
  const res = spawnSync(cmd, argv, { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  if (res.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

beforeAll(() => {
  pnpm(['build']);
}, 300_000);

describe.each(['order-api', 'inventory', 'payment', 'email', 'dashboard'] as ServiceName[])(
  'the deployed %s',
  (service) => {
    it('has production dependencies only, starts against the stack, and stops cleanly on SIGTERM', async () => {
      const out = join(mkdtempSync(join(tmpdir(), `akaso-deploy-${service}-`)), 'app');
      pnpm(['deploy', '--legacy', '--filter', `@akaso/${service}`, '--prod', out]);
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

      const port = instancePort(service, 9);
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: out,
        env: { ...serviceEnv(service, 9), NODE_ENV: 'production', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
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
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exitOf(child)).toBe(0);
    });
  },
);
