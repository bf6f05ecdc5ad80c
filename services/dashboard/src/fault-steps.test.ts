import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlags } from '@akaso/flags';
import type { Kafka } from '@akaso/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { createStepRunner } from './fault-steps.ts';

// Real files and a real child process: a stand-in CLI at <root>/scripts/stack/cli.ts that records
// its arguments, so the test sees exactly what the dashboard runs (no broker is harmed).
const root = mkdtempSync(join(tmpdir(), 'akaso-fault-steps-'));
const flagsFile = join(root, 'data', 'flags.json');
const calls = join(root, 'calls.txt');
mkdirSync(join(root, 'scripts', 'stack'), { recursive: true });
writeFileSync(
  join(root, 'scripts', 'stack', 'cli.ts'),
  [
    "import { appendFileSync } from 'node:fs';",
    `appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(' ') + '\\n');`,
    // Coloured, as the stack's reporter prints it.
    "console.log('\\u001b[1;32m[stack]\\u001b[0m ' + process.argv[3] + ' done');",
    "if (process.argv[3] === 'kafka-9') { console.error('unknown part \"kafka-9\"'); process.exit(1); }",
  ].join('\n'),
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runner = (control: 'local' | 'compose') =>
  createStepRunner({
    control,
    stackRoot: root,
    nodePath: process.execPath,
    flagsFile,
    kafka: {} as Kafka,
    now: () => 0,
  });

describe('the fault steps', () => {
  it('sets and removes flags without losing another fault’s key, even at the same moment', async () => {
    const run = runner('local');
    const log: string[] = [];
    await Promise.all([
      run({ kind: 'set-flag', key: 'payment.declineRate', value: 1 }, (l) => log.push(l)),
      run({ kind: 'set-flag', key: 'email.delayMs', value: 250 }, (l) => log.push(l)),
    ]);
    expect(await readFlags(flagsFile)).toEqual({ 'payment.declineRate': 1, 'email.delayMs': 250 });
    await run({ kind: 'clear-flag', key: 'payment.declineRate' }, (l) => log.push(l));
    expect(await readFlags(flagsFile)).toEqual({ 'email.delayMs': 250 });
    expect(log.at(-1)).toBe('flags now {"email.delayMs":250}');
  });

  it('runs the local stack’s part command, its output into the log without colours', async () => {
    const log: string[] = [];
    await runner('local')({ kind: 'stack', command: 'kill', part: 'kafka-2' }, (l) => log.push(l));
    expect(readFileSync(calls, 'utf8')).toContain('kill kafka-2\n');
    expect(log).toEqual(['[stack] kafka-2 done']);
  });

  it('fails a step whose command fails, with the command’s last words', async () => {
    await expect(
      runner('local')({ kind: 'stack', command: 'start', part: 'kafka-9' }, () => {}),
    ).rejects.toThrow(/pnpm stack start kafka-9 exited with 1: .*unknown part "kafka-9"/);
  });

  it('runs no part command under compose', async () => {
    await expect(
      runner('compose')({ kind: 'stack', command: 'stop', part: 'mailpit' }, () => {}),
    ).rejects.toThrow(/STACK_CONTROL=local/);
    expect(readFileSync(calls, 'utf8')).not.toContain('stop mailpit');
  });
});
