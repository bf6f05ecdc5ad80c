import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { internalApiToken } from './internal-token.ts';

const dir = mkdtempSync(join(tmpdir(), 'internal-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local stack internal token', () => {
  it('is made once (random, readable by its owner only) and then reused', () => {
    const file = join(dir, 'sub', 'internal-api-token');
    const first = internalApiToken(file);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(internalApiToken(file)).toBe(first);
    expect(internalApiToken(join(dir, 'other'))).not.toBe(first);
  });
});
