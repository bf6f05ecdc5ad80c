import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from './config.ts';
import { kafkaSecurityConfig, resolveKafkaSecurity } from './kafka-security.ts';

const schema = Type.Object({ KAFKA_BROKERS: env.brokers(), ...kafkaSecurityConfig(), PORT: env.port(1) });
const load = (vars: Record<string, string>) =>
  loadConfig('svc', schema, { KAFKA_BROKERS: 'kafka.example.com:9096', ...vars });
const problemsOf = (vars: Record<string, string>): string[] => {
  try {
    load(vars);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

let dir: string;
const file = (name: string) => join(dir, name);

/** A self-signed certificate and its key, made by openssl as a real CA's would be. */
function selfSigned(name: string): void {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
    ]),
    { stdio: 'ignore' },
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  selfSigned('ca');
  selfSigned('other');
  writeFileSync(
    file('bundle.crt'),
    readFileSync(file('ca.crt'), 'utf8') + readFileSync(file('other.crt'), 'utf8'),
  );
  writeFileSync(
    file('garbage.crt'),
    '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
  );
  writeFileSync(file('password'), 's3cret\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Kafka security settings', () => {
  it('default to PLAINTEXT: no TLS, no SASL', () => {
    const cfg = load({});
    expect(cfg.KAFKA_SECURITY_PROTOCOL).toBe('PLAINTEXT');
    expect(resolveKafkaSecurity(cfg)).toEqual({
      security: { protocol: 'PLAINTEXT', tls: null, sasl: null },
      problems: [],
    });
  });

  it('resolve SASL_SSL + SCRAM-SHA-512 with the system CAs, the password read from a file', () => {
    const cfg = load({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'order-api',
      KAFKA_SASL_PASSWORD_FILE: file('password'),
    });
    expect(resolveKafkaSecurity(cfg).security).toEqual({
      protocol: 'SASL_SSL',
      tls: {},
      sasl: { mechanism: 'scram-sha-512', username: 'order-api', password: 's3cret' },
    });
  });

  it('read a CA bundle of several certificates', () => {
    const cfg = load({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: file('bundle.crt') });
    expect(resolveKafkaSecurity(cfg).security.tls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it('refuse a CA file that does not parse, or cannot be read', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: file('garbage.crt') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: .*garbage\.crt is not a PEM certificate bundle/),
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: file('password') })).toEqual([
      expect.stringMatching(/KAFKA_SSL_CA_FILE: .* is not a PEM certificate bundle \(no PEM/),
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: file('absent.crt') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: cannot read .*absent\.crt \(ENOENT\)/),
    ]);
  });

  it('refuse PLAIN without TLS to a remote broker, and allow it to localhost', () => {
    const plain = {
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    };
    expect(problemsOf({ ...plain, KAFKA_BROKERS: '127.0.0.1:19094,localhost:29094' })).toEqual([]);
    const problems = problemsOf({ ...plain, KAFKA_BROKERS: '127.0.0.1:19094,kafka.example.com:9092' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/clear text to kafka\.example\.com:9092: use SASL_SSL/);
    expect(problemsOf({ ...plain, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([]);
  });

  it('name what is missing or contradictory, every problem at once', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL/),
    ]);
    expect(
      problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }),
    ).toEqual([
      expect.stringMatching(/^KAFKA_SASL_USERNAME \(or KAFKA_SASL_USERNAME_FILE\): required/),
      expect.stringMatching(/^KAFKA_SASL_PASSWORD \(or KAFKA_SASL_PASSWORD_FILE\): required/),
    ]);
    expect(
      problemsOf({
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SSL_CA_FILE: file('ca.crt'),
        PORT: 'eighty',
      }),
    ).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^KAFKA_SSL_CA_FILE set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use TLS/),
      expect.stringMatching(
        /^KAFKA_SASL_MECHANISM=PLAIN set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL/,
      ),
    ]);
    expect(
      problemsOf({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: file('password'),
      }),
    ).toEqual(['KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set: set one']);
  });

  it('check the mTLS pair: both files, and the key of that certificate', () => {
    const ssl = { KAFKA_SECURITY_PROTOCOL: 'SSL' };
    expect(problemsOf({ ...ssl, KAFKA_SSL_CERT_FILE: file('ca.crt') })).toEqual([
      expect.stringMatching(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/),
    ]);
    expect(
      problemsOf({ ...ssl, KAFKA_SSL_CERT_FILE: file('ca.crt'), KAFKA_SSL_KEY_FILE: file('other.key') }),
    ).toEqual([expect.stringMatching(/other\.key is not the key of the certificate in .*ca\.crt/)]);
    const cfg = load({ ...ssl, KAFKA_SSL_CERT_FILE: file('ca.crt'), KAFKA_SSL_KEY_FILE: file('ca.key') });
    expect(resolveKafkaSecurity(cfg).security.tls).toEqual({
      cert: readFileSync(file('ca.crt'), 'utf8'),
      key: readFileSync(file('ca.key'), 'utf8'),
    });
  });

  it('take OAUTHBEARER as Amazon MSK IAM, which needs a region', () => {
    const iam = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER' };
    expect(problemsOf(iam)).toEqual([expect.stringMatching(/^KAFKA_SASL_AWS_REGION: required/)]);
    expect(resolveKafkaSecurity(load({ ...iam, KAFKA_SASL_AWS_REGION: 'eu-west-1' })).security.sasl).toEqual({
      mechanism: 'oauthbearer',
      awsRegion: 'eu-west-1',
    });
  });

  it('refuse an unknown protocol or mechanism by the schema', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'TLS' })[0]).toMatch(/^KAFKA_SECURITY_PROTOCOL: .*"TLS"/);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' })[0]).toMatch(
      /^KAFKA_SASL_MECHANISM: .*"GSSAPI"/,
    );
  });
});
