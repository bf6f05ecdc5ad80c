import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, kafka } from '@akaso/stack-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { libDir, nodeDir } from '../../scripts/stack/kafka.ts';
import { repoRoot } from '../../scripts/stack/paths.ts';

// Issue 13: docs/reference.md sends users to server.log to watch a failover, so it must not be empty.
describe('the local brokers log through log4j2', () => {
  it('resolves the SLF4J 2 API the log4j2 binding needs (a 1.7 API falls back to the NOP logger)', () => {
    const slf4j = readdirSync(libDir).filter((f) => f.startsWith('slf4j-api-'));
    expect(slf4j, `stale jars in ${libDir}: delete the folder, pnpm start fetches them again`).toEqual([
      expect.stringMatching(/^slf4j-api-2\./),
    ]);
  });

  it.each(kafka.nodes)('kafka-$id wrote "Kafka Server started" to server.log', (node) => {
    const logs = join(nodeDir(node), 'logs');
    // The file rolls over at 20 MB: the start line may be in server.log.N by now.
    const files = readdirSync(logs).filter((f) => /^server\.log(\.\d+)?$/.test(f));
    const text = files.map((f) => readFileSync(join(logs, f), 'utf8')).join('\n');
    expect(text).toMatch(/Kafka Server started/);
    const stdout = join(logs, 'stdout.log');
    if (existsSync(stdout)) expect(readFileSync(stdout, 'utf8')).not.toMatch(/NOP\) logger/);
  });

  it('keeps the admin tools (no kafka.logs.dir) from creating a folder named after the lookup', () => {
    // log4j2 leaves an unresolved lookup as is: the folder would be named literally so.
    const unresolved = ['$', '{sys:kafka.logs.dir}'].join('');
    expect(existsSync(join(repoRoot, unresolved))).toBe(false);
  });
});

// The compose health check runs inside the apache/kafka image; here the same command (bash, no
// JVM) runs against a local broker, so a typo in its bytes fails a test instead of a user's start.
describe("docker-compose.yml's broker health check", () => {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { healthcheck?: { test?: string[] } }>;
  };
  const test = compose.services['kafka-1']?.healthcheck?.test ?? [];
  // Compose turns $$ into $; the command addresses the broker's in-container listener.
  const command = (port: number) =>
    String(test[3]).replaceAll('$$', '$').replace('localhost/9092', `${host}/${port}`);

  it('passes against a running broker', () => {
    const port = kafka.nodes[0]?.brokerPort ?? 0;
    const res = spawnSync('bash', ['-c', command(port)], { encoding: 'utf8', timeout: 10_000 });
    expect(res.status, res.stderr).toBe(0);
  });

  it('fails where no broker listens', () => {
    const res = spawnSync('bash', ['-c', command(1)], { encoding: 'utf8', timeout: 10_000 });
    expect(res.status).not.toBe(0);
  });
});
