import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataDir } from './paths.ts';

/** Where the local stack keeps its INTERNAL_API_TOKEN (the test kit reads it there too). */
export const internalTokenFile = join(dataDir, 'internal-api-token');

/**
 * The shared token of the services' internal endpoints, made once per stack (32 random bytes, a
 * file only its owner can read) and handed to every service it starts; `pnpm stack wipe` forgets
 * it. INTERNAL_API_TOKEN in the environment takes its place.
 */
export function internalApiToken(file = internalTokenFile): string {
  if (process.env.INTERNAL_API_TOKEN) return process.env.INTERNAL_API_TOKEN;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const token = randomBytes(32).toString('hex');
  try {
    // 'wx': of two starts racing, the first token written is the one both use.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8').trim();
  }
}
