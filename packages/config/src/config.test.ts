import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, parseBrokers } from './config.ts';

const schema = Type.Object({
  PORT: env.port(3000),
  DATABASE_URL: env.url(),
  KAFKA_BROKERS: env.brokers(),
  ENABLED: env.bool(false),
});

describe('loadConfig', () => {
  it('applies defaults and converts strings', () => {
    const cfg = loadConfig('svc', schema, {
      DATABASE_URL: 'postgresql://x/y',
      KAFKA_BROKERS: 'a:1,b:2',
      ENABLED: 'true',
    });
    expect(cfg).toEqual({
      PORT: 3000,
      DATABASE_URL: 'postgresql://x/y',
      KAFKA_BROKERS: 'a:1,b:2',
      ENABLED: true,
    });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig('svc', schema, { PORT: 'eighty', KAFKA_BROKERS: 'a:1,,b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('DATABASE_URL: required but not set');
    expect(problems).toMatch(/PORT: .*"eighty"/);
    expect(problems).toMatch(/KAFKA_BROKERS: /);
  });

  it('ignores unrelated variables', () => {
    const cfg = loadConfig('svc', schema, {
      DATABASE_URL: 'postgresql://x/y',
      KAFKA_BROKERS: 'a:1',
      HOME: '/root',
    });
    expect(Object.keys(cfg)).not.toContain('HOME');
  });
});

describe('parseBrokers', () => {
  it('splits and trims', () => {
    expect(parseBrokers(' a:1, b:2 ,')).toEqual(['a:1', 'b:2']);
  });
});
