import { describe, expect, it } from 'vitest';
import { parseRushArgs, UsageError } from './args.ts';

const api = 'http://127.0.0.1:3000';
const parse = (...argv: string[]) => parseRushArgs(argv, api);
const refusal = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseRushArgs', () => {
  it('gives the documented defaults', () => {
    expect(parse('rush')).toEqual({
      command: 'rush',
      rate: 200,
      holdS: 30,
      rampS: undefined,
      users: 2000,
      mode: 'async',
      url: api,
      seed: 1,
      audit: true,
      json: undefined,
    });
  });

  it('reads every flag', () => {
    const argv = ['--rate', '12.5', '--hold', '5', '--ramp', '2', '--users', '30', '--mode', 'sync'];
    expect(
      parse('rush', ...argv, '--seed', '0', '--no-audit', '--json', 'run.json', '--url', 'http://h:1'),
    ).toEqual({
      command: 'rush',
      rate: 12.5,
      holdS: 5,
      rampS: 2,
      users: 30,
      mode: 'sync',
      url: 'http://h:1',
      seed: 0,
      audit: false,
      json: 'run.json',
    });
  });

  it('answers --help, -h and no command with the usage', () => {
    expect(parse('rush', '--help')).toEqual({ command: 'help' });
    expect(parse('rush', '-h')).toEqual({ command: 'help' });
    expect(parse()).toEqual({ command: 'help' });
  });

  it('refuses a mode it does not know instead of running async', () => {
    expect(refusal('rush', '--mode', 'syncc')).toBe('--mode expects async or sync, got "syncc"');
  });

  it('refuses numbers that are not numbers, zero, negative, or fractional users', () => {
    expect(refusal('rush', '--rate', 'abc')).toMatch(/^--rate expects a positive number, got "abc"/);
    expect(refusal('rush', '--hold', '0')).toMatch(/^--hold /);
    expect(refusal('rush', '--ramp=-3')).toMatch(/^--ramp /);
    expect(refusal('rush', '--users', '2.5')).toMatch(/^--users expects a positive whole number/);
    expect(refusal('rush', '--seed=-1')).toMatch(/^--seed /);
  });

  it('refuses an unknown flag with one line, not a stack trace', () => {
    const message = refusal('rush', '--peak', '300');
    expect(message).toContain("Unknown option '--peak'");
    expect(message).not.toContain('\n');
    expect(refusal('rush', '--ramp', '-3')).toBe("Option '--ramp' argument is ambiguous.");
  });

  it('refuses a URL that is none and a stray argument', () => {
    expect(refusal('rush', '--url', 'not a url')).toMatch(/^--url /);
    expect(refusal('rush', '300')).toBe('unexpected argument "300"');
  });

  it('gives rush-audit its run id, and refuses it without one', () => {
    expect(parse('audit', 'ab12cd34')).toEqual({ command: 'audit', runId: 'ab12cd34', json: undefined });
    expect(refusal('audit')).toMatch(/^rush-audit needs the run id/);
  });
});
