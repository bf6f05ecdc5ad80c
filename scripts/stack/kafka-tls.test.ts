import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafka } from '@akaso/stack-client';
import { afterAll, describe, expect, it } from 'vitest';
import { serverProperties } from './kafka.ts';
import { ensureKafkaTls, kafkaTls, localKafkaSecurityEnv, localSaslUser, tlsFiles } from './kafka-tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureKafkaTls', () => {
  const files = tlsFiles(join(dir, 'tls'));
  const made = ensureKafkaTls(files);
  const ca = new X509Certificate(readFileSync(made.caFile));
  const broker = new X509Certificate(readFileSync(made.brokerCertFile));

  it('makes a CA and a broker certificate it signed, for 127.0.0.1 and localhost', () => {
    expect(ca.ca).toBe(true);
    expect(broker.ca).toBe(false);
    expect(broker.verify(ca.publicKey)).toBe(true);
    expect(broker.checkIssued(ca)).toBe(true);
    expect(broker.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(broker.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('writes the PEM key store Kafka reads: the PKCS#8 key, then the chain', () => {
    const pem = readFileSync(made.keystoreFile, 'utf8');
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('keeps valid certificates, and renews them a week before they expire', () => {
    expect(readFileSync(ensureKafkaTls(files).caFile, 'utf8')).toBe(ca.toString());
    const nearExpiry = Date.parse(broker.validTo) - 24 * 3_600_000;
    const renewed = new X509Certificate(readFileSync(ensureKafkaTls(files, nearExpiry).caFile));
    expect(renewed.fingerprint256).not.toBe(ca.fingerprint256);
  });
});

const props = (text: string) =>
  new Map(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('the SASL_SSL listener in serverProperties', () => {
  it('adds SASL_SSL on its own port to every node, PLAINTEXT staying the brokers’ own listener', () => {
    for (const node of kafka.nodes) {
      const p = props(serverProperties(node, {}));
      expect(p.get('listeners')).toContain(`SASL_SSL://127.0.0.1:${node.tlsPort}`);
      expect(p.get('advertised.listeners')).toContain(`SASL_SSL://127.0.0.1:${node.tlsPort}`);
      expect(p.get('listeners')).toContain(`PLAINTEXT://127.0.0.1:${node.brokerPort}`);
      expect(p.get('listener.security.protocol.map')).toContain('SASL_SSL:SASL_SSL');
      expect(p.get('inter.broker.listener.name')).toBe('PLAINTEXT');
      expect(p.get('listener.name.sasl_ssl.sasl.enabled.mechanisms')).toBe('PLAIN,SCRAM-SHA-512');
      expect(p.get('listener.name.sasl_ssl.plain.sasl.jaas.config')).toContain(
        `user_${localSaslUser.username}="${localSaslUser.password}"`,
      );
      expect(p.get('listener.name.sasl_ssl.ssl.keystore.type')).toBe('PEM');
      expect(p.get('listener.name.sasl_ssl.ssl.keystore.location')).toBe(kafkaTls.keystoreFile);
    }
  });
});

describe('localKafkaSecurityEnv', () => {
  it('points the services at what the brokers offer on SASL_SSL, or leaves PLAINTEXT', () => {
    expect(localKafkaSecurityEnv('plaintext')).toEqual({});
    const env = localKafkaSecurityEnv('sasl_ssl');
    const brokers = kafka.nodes.map((node) => props(serverProperties(node, {})));
    const advertised = brokers.map(
      (p) => /SASL_SSL:\/\/([^,]+)/.exec(p.get('advertised.listeners') ?? '')?.[1],
    );
    expect(env.KAFKA_BROKERS?.split(',')).toEqual(advertised);
    expect(env.KAFKA_SECURITY_PROTOCOL).toBe('SASL_SSL');
    for (const p of brokers)
      expect(p.get('listener.name.sasl_ssl.sasl.enabled.mechanisms')?.split(',')).toContain(
        env.KAFKA_SASL_MECHANISM,
      );
    expect(env).toMatchObject({
      KAFKA_SASL_USERNAME: localSaslUser.username,
      KAFKA_SASL_PASSWORD: localSaslUser.password,
      KAFKA_SSL_CA_FILE: kafkaTls.caFile,
    });
    expect(() => localKafkaSecurityEnv('ssl')).toThrow(
      /AKASO_KAFKA_SECURITY must be one of plaintext, sasl_ssl/,
    );
  });
});
