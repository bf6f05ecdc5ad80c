import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { kafkaSecurityProblems } from './kafka-security.ts';

/**
 * Configuration is read once, from the environment, validated against a schema; the process
 * refuses to start with one message listing every problem. Nothing else reads process.env.
 * Schemas use the same variable names locally, in compose and in .env.example.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig<S extends Type.TObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Type.Static<S> {
  const keys = Object.keys(schema.properties);
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  // Environment values are strings: apply defaults, then convert "3000" → 3000, "true" → true.
  const withDefaults = Value.Default(schema, picked);
  const converted = Value.Convert(schema, withDefaults);
  const validator = Compile(schema);
  const problems: string[] = [];
  if (!validator.Check(converted)) {
    problems.push(
      ...[...validator.Errors(converted)].map((e) => {
        const name = e.instancePath.replace(/^\//, '');
        if (e.keyword === 'required') {
          const missing = (e.params as { requiredProperties?: string[] }).requiredProperties ?? [];
          return `${missing.join(', ')}: required but not set`;
        }
        return `${name}: ${e.message} (got ${JSON.stringify(env[name])})`;
      }),
    );
  }
  // How the Kafka security settings combine (and the files they name) is beyond a field's
  // schema: checked here so every Kafka client refuses a bad combination at start-up, listed
  // with the other problems. Skipped while a Kafka field itself is invalid.
  if ('KAFKA_SECURITY_PROTOCOL' in schema.properties && !problems.some((p) => p.startsWith('KAFKA_'))) {
    problems.push(...kafkaSecurityProblems(converted as Record<string, unknown>));
  }
  if (problems.length > 0) throw new ConfigError(service, problems);
  return converted as Type.Static<S>;
}

/** Reusable field types for service configs. */
export const env = {
  port: (def: number) => Type.Integer({ minimum: 0, maximum: 65535, default: def }),
  url: () => Type.String({ pattern: '^[a-z]+://' }),
  brokers: () =>
    Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: 'comma-separated host:port list' }),
  ms: (def: number) => Type.Integer({ minimum: 0, default: def }),
  bool: (def: boolean) => Type.Boolean({ default: def }),
  logLevel: () =>
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
};

export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** For a service's main: a bad configuration prints its problems and exits 1, without a stack trace. */
export function loadConfigOrExit<S extends Type.TObject>(service: string, schema: S): Type.Static<S> {
  try {
    return loadConfig(service, schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
