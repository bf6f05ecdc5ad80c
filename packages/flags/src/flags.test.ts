import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlagsError, groupDelayFlag, parseFlags, readFlags, writeFlags } from './flags.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'akaso-flags-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFlags', () => {
  it('reads no flags from a file that does not exist', async () => {
    await expect(readFlags(join(dir, 'nothing', 'flags.json'))).resolves.toEqual({});
  });

  it('reads the flags a file holds', async () => {
    const file = join(dir, 'flags.json');
    await writeFile(file, '{ "payment.latencyMs": 300, "payment.declineRate": 0.5 }');
    await expect(readFlags(file)).resolves.toEqual({ 'payment.latencyMs': 300, 'payment.declineRate': 0.5 });
  });

  it('refuses text that is not JSON, naming the file', async () => {
    const file = join(dir, 'flags.json');
    await writeFile(file, '{ "payment.latencyMs": 30');
    const err = await readFlags(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlagsError);
    expect((err as Error).message).toContain(`${file}: not JSON`);
  });

  it('refuses an unknown key and a value out of range, listing both', async () => {
    const file = join(dir, 'flags.json');
    await writeFile(file, '{ "payment.latencyMS": 300, "payment.declineRate": 1.5 }');
    const err = await readFlags(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlagsError);
    expect((err as Error).message).toMatch(/payment\.declineRate: .*1/);
    expect((err as Error).message).toMatch(/payment\.latencyMS: not a flag/);
  });
});

describe('parseFlags', () => {
  it('takes blank text as no flags, as a file emptied by hand', () => {
    expect(parseFlags(' \n', 'f')).toEqual({});
  });

  it('refuses a fraction where whole milliseconds are expected, and an array', () => {
    expect(() => parseFlags('{ "email.delayMs": 1.5 }', 'f')).toThrow(/email\.delayMs/);
    expect(() => parseFlags('[]', 'f')).toThrow(FlagsError);
  });
});

describe('writeFlags', () => {
  it('creates the directory and writes flags readFlags reads back, leaving no temporary file', async () => {
    const file = join(dir, 'state', 'flags.json');
    await writeFlags(file, { 'inventory.delayMs': 200 });
    await expect(readFlags(file)).resolves.toEqual({ 'inventory.delayMs': 200 });
    await writeFlags(file, {});
    await expect(readFlags(file)).resolves.toEqual({});
    expect(await readdir(join(dir, 'state'))).toEqual(['flags.json']);
  });

  it('refuses invalid flags and leaves the file as it was', async () => {
    const file = join(dir, 'flags.json');
    await writeFlags(file, { 'payment.latencyMs': 300 });
    await expect(writeFlags(file, { 'payment.latencyMs': -1 })).rejects.toThrow(FlagsError);
    await expect(writeFlags(file, { 'payment.lateness': 1 } as never)).rejects.toThrow(FlagsError);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'payment.latencyMs': 300 });
  });
});

describe('groupDelayFlag', () => {
  it('names the flag of the groups that can be slowed, and none for the others', () => {
    expect(groupDelayFlag('inventory')).toBe('inventory.delayMs');
    expect(groupDelayFlag('payment')).toBe('payment.delayMs');
    expect(groupDelayFlag('email')).toBe('email.delayMs');
    expect(groupDelayFlag('order-status')).toBeNull();
    expect(groupDelayFlag('toString')).toBeNull();
  });
});
