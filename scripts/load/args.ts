/**
 * `pnpm rush`'s and `pnpm rush-audit`'s flags, checked: a mistyped flag or value is refused with
 * a one-line reason and the usage, instead of a stack trace or a rush that quietly runs something
 * else (`--mode syncc` used to run async).
 */
import { parseArgs } from 'node:util';

export const usage = `usage: pnpm rush [--rate 200] [--hold 30] [--ramp 10] [--users 2000] [--mode async|sync]
                 [--url http://127.0.0.1:3000] [--seed 1] [--no-audit] [--json FILE]
         an open-model Christmas rush against the order API (ramp up, hold the peak rate,
         ramp down), then the audit of the run
       pnpm rush-audit <runId> [--json FILE]
         the audit alone (a run's users are rush-<runId>-<n>)
The result is one JSON document, { rush, audit }: to FILE with --json, else to stdout.`;

export class UsageError extends Error {}

export interface RushOptions {
  rate: number;
  holdS: number;
  /** Undefined: christmasStages' default (a third of the hold). */
  rampS: number | undefined;
  users: number;
  mode: 'async' | 'sync';
  url: string;
  seed: number;
  audit: boolean;
  json: string | undefined;
}

export type RushArgs =
  | { command: 'help' }
  | { command: 'audit'; runId: string; json: string | undefined }
  | ({ command: 'rush' } & RushOptions);

function positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} expects a positive ${integer ? 'whole number' : 'number'}, got "${value}"`,
    );
  }
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`--seed expects a whole number, got "${value}"`);
  }
  return n;
}

export function parseRushArgs(argv: string[], defaultUrl: string): RushArgs {
  const [command, ...rest] = argv;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest, defaultUrl);
  } catch (err) {
    // parseArgs' own errors (an unknown flag, a value missing) carry Node's long hint: the first
    // sentence says what is wrong.
    throw new UsageError((err as Error).message.split('\n')[0]?.split('. ')[0] ?? String(err));
  }
  const { values, positionals } = parsed;
  if (values.help || command === undefined || command === 'help' || command === '--help') {
    return { command: 'help' };
  }
  if (command === 'audit') {
    const runId = positionals[0];
    if (!runId) throw new UsageError('rush-audit needs the run id (the rush prints it: "rush <runId>: …")');
    return { command, runId, json: values.json };
  }
  if (command !== 'rush') throw new UsageError(`unknown command "${command}"`);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.mode !== 'async' && values.mode !== 'sync') {
    throw new UsageError(`--mode expects async or sync, got "${values.mode}"`);
  }
  if (!URL.canParse(values.url))
    throw new UsageError(`--url expects the order API's address, got "${values.url}"`);
  return {
    command,
    rate: positive('rate', values.rate, false),
    holdS: positive('hold', values.hold, false),
    rampS: values.ramp === undefined ? undefined : positive('ramp', values.ramp, false),
    users: positive('users', values.users, true),
    mode: values.mode,
    url: values.url,
    seed: seed(values.seed),
    audit: !values['no-audit'],
    json: values.json,
  };
}

function parse(args: string[], defaultUrl: string) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      rate: { type: 'string', default: '200' },
      hold: { type: 'string', default: '30' },
      ramp: { type: 'string' },
      users: { type: 'string', default: '2000' },
      mode: { type: 'string', default: 'async' },
      url: { type: 'string', default: defaultUrl },
      seed: { type: 'string', default: '1' },
      'no-audit': { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
