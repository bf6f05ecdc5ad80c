import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { ConfigError } from '@akaso/config';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadMskSigner, mskIamTokenProvider } from './msk-iam.ts';
import { kafkaClientOptions, loadKafkaConfig } from './security.ts';
import { diagnoseKafkaFailure, KafkaSecurityError } from './security-errors.ts';

let dir: string;
let ca: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-options-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat(
      ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ['-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')],
    ),
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (vars: Record<string, string>) => loadKafkaConfig('test', ['127.0.0.1:19092'], vars);

describe('kafkaClientOptions', () => {
  it('gives PLAINTEXT clients neither ssl nor sasl', () => {
    const opts = kafkaClientOptions(config({}), { clientId: 'c', logLevel: 'nothing' });
    expect(opts).toEqual({ clientId: 'c', logLevel: 'nothing', brokers: ['127.0.0.1:19092'] });
  });

  it('builds TLS with the CA file and a SCRAM login', () => {
    const opts = kafkaClientOptions(
      config({
        KAFKA_BROKERS: 'b1:9096,b2:9096',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'payment',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_SSL_CA_FILE: join(dir, 'ca.crt'),
      }),
      { clientId: 'payment' },
    );
    expect(opts).toEqual({
      clientId: 'payment',
      brokers: ['b1:9096', 'b2:9096'],
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'payment', password: 'pw' },
    });
  });

  it('uses the system CAs when no CA file is given (a public provider), and mTLS when a pair is', () => {
    expect(kafkaClientOptions(config({ KAFKA_SECURITY_PROTOCOL: 'SSL' }), { clientId: 'c' }).ssl).toBe(true);
    const mtls = kafkaClientOptions(
      config({
        KAFKA_SECURITY_PROTOCOL: 'SSL',
        KAFKA_SSL_CERT_FILE: join(dir, 'ca.crt'),
        KAFKA_SSL_KEY_FILE: join(dir, 'ca.key'),
      }),
      { clientId: 'c' },
    );
    expect(mtls.ssl).toEqual({ cert: ca, key: readFileSync(join(dir, 'ca.key'), 'utf8') });
  });

  it('wires OAUTHBEARER to the MSK IAM token provider', async () => {
    const signer = vi.fn(async ({ region }: { region: string }) => ({
      token: `signed-${region}`,
      expiryTime: 1e15,
    }));
    const opts = kafkaClientOptions(
      config({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
        KAFKA_SASL_AWS_REGION: 'us-east-1',
      }),
      { clientId: 'c' },
      { mskSigner: signer },
    );
    expect(opts.ssl).toBe(true);
    const sasl = opts.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'signed-us-east-1' });
  });

  it('refuses settings that do not combine, as loadConfig does', () => {
    expect(() =>
      loadKafkaConfig('pnpm dlq', [], { KAFKA_BROKERS: 'k:9092', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }),
    ).toThrow(/KAFKA_SASL_MECHANISM: required/);
    const unchecked = { ...config({}), KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' as const };
    expect(() => kafkaClientOptions(unchecked, { clientId: 'c' })).toThrow(ConfigError);
  });
});

describe('mskIamTokenProvider (offline: a stand-in signer, never AWS)', () => {
  it('shares one token until shortly before it expires, and one signing among concurrent logins', async () => {
    let now = 1_000_000;
    let n = 0;
    const signer = vi.fn(async () => ({ token: `t${++n}`, expiryTime: now + 15 * 60_000 }));
    const provider = mskIamTokenProvider({
      region: 'eu-west-1',
      signer,
      now: () => now,
      refreshBeforeMs: 60_000,
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect([a, b]).toEqual([{ value: 't1' }, { value: 't1' }]);
    now += 13 * 60_000;
    expect(await provider()).toEqual({ value: 't1' });
    now += 60_001;
    expect(await provider()).toEqual({ value: 't2' });
    expect(signer).toHaveBeenCalledTimes(2);
    expect(signer).toHaveBeenCalledWith({ region: 'eu-west-1' });
  });

  it('says which package to add when AWS signer is not installed', async () => {
    const err = await loadMskSigner({ region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaSecurityError);
    expect(err).toMatchObject({ code: 'KAFKA_MSK_SIGNER_MISSING', retriable: false });
    expect((err as Error).message).toMatch(/pnpm --filter @akaso\/kafka add aws-msk-iam-sasl-signer-js/);
  });
});

describe('diagnoseKafkaFailure', () => {
  const scram = { mechanism: 'scram-sha-512', username: 'order-api', password: 'x' } as const;
  const saslError = Object.assign(
    new Error(
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    ),
    {
      name: 'KafkaJSSASLAuthenticationError',
    },
  );

  it('names refused credentials, through kafkajs wrappers', async () => {
    const wrapped = Object.assign(new Error('wrapped'), {
      name: 'KafkaJSNonRetriableError',
      cause: saslError,
    });
    const diagnosis = await diagnoseKafkaFailure(wrapped, {
      brokers: ['127.0.0.1:1'],
      ssl: true,
      sasl: scram,
    });
    expect(diagnosis?.code).toBe('KAFKA_AUTHENTICATION_FAILED');
    expect(diagnosis?.message).toMatch(
      /^Kafka refused the SASL SCRAM-SHA-512 login of user "order-api": wrong credentials\? check KAFKA_SASL_USERNAME \/ KAFKA_SASL_PASSWORD/,
    );
  });

  it('names an untrusted certificate', async () => {
    const tlsError = Object.assign(
      new Error('Connection error: self-signed certificate in certificate chain'),
      {
        name: 'KafkaJSConnectionError',
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      },
    );
    const diagnosis = await diagnoseKafkaFailure(tlsError, { brokers: ['127.0.0.1:1'], ssl: true });
    expect(diagnosis?.code).toBe('KAFKA_TLS_UNTRUSTED');
    expect(diagnosis?.message).toMatch(/KAFKA_SSL_CA_FILE must hold the CA that signed it/);
  });

  describe('against a local TLS port and a plaintext one', () => {
    let tlsServer: Server;
    let plainServer: Server;
    const port = (s: Server) => (s.address() as { port: number }).port;
    beforeAll(async () => {
      tlsServer = createTlsServer({
        cert: ca,
        key: readFileSync(join(dir, 'ca.key'), 'utf8'),
      });
      plainServer = createNetServer((socket) => socket.destroy());
      await Promise.all(
        [tlsServer, plainServer].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))),
      );
    });
    afterAll(() => {
      tlsServer.close();
      plainServer.close();
    });
    const closed = Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });

    it('names a plaintext client at a TLS port', async () => {
      const diagnosis = await diagnoseKafkaFailure(closed, { brokers: [`127.0.0.1:${port(tlsServer)}`] });
      expect(diagnosis?.code).toBe('KAFKA_TLS_EXPECTED');
      expect(diagnosis?.message).toMatch(
        /speaks TLS but KAFKA_SECURITY_PROTOCOL=PLAINTEXT: set SSL or SASL_SSL/,
      );
    });

    it('leaves a closed connection to a plaintext port undiagnosed (a broker going down is retried)', async () => {
      expect(await diagnoseKafkaFailure(closed, { brokers: [`127.0.0.1:${port(plainServer)}`] })).toBeNull();
    });

    it('names a TLS client at a plaintext port', async () => {
      const reset = Object.assign(
        new Error(
          'Connection error: Client network socket disconnected before secure TLS connection was established',
        ),
        { name: 'KafkaJSConnectionError', code: 'ECONNRESET' },
      );
      const diagnosis = await diagnoseKafkaFailure(reset, {
        brokers: [`127.0.0.1:${port(plainServer)}`],
        ssl: true,
      });
      expect(diagnosis?.code).toBe('KAFKA_TLS_UNEXPECTED');
    });
  });

  it('returns null for failures that are not about security', async () => {
    expect(await diagnoseKafkaFailure(new TypeError('bug'), { brokers: ['127.0.0.1:1'] })).toBeNull();
  });
});
