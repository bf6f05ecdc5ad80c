import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Type from 'typebox';

export const securityProtocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

/**
 * How a client reaches a secured Kafka (Confluent Cloud, MSK, Aiven, Strimzi), with the names and
 * values of the Java client's `security.protocol` and `sasl.mechanism`. Every Kafka client of the
 * project (services, dashboard, labs, bench, `pnpm dlq`) spreads these into its schema; loadConfig
 * then also checks how they combine (kafkaSecurityProblems) and refuses a bad combination.
 * The `_FILE` variants read the value from a file (a mounted Kubernetes Secret), so a secret
 * need not sit in the environment.
 */
export function kafkaSecurityConfig() {
  return {
    KAFKA_SECURITY_PROTOCOL: Type.Union(
      [
        Type.Literal('PLAINTEXT'),
        Type.Literal('SSL'),
        Type.Literal('SASL_PLAINTEXT'),
        Type.Literal('SASL_SSL'),
      ],
      { default: 'PLAINTEXT' },
    ),
    KAFKA_SASL_MECHANISM: Type.Optional(
      Type.Union([
        Type.Literal('PLAIN'),
        Type.Literal('SCRAM-SHA-256'),
        Type.Literal('SCRAM-SHA-512'),
        Type.Literal('OAUTHBEARER'),
      ]),
    ),
    KAFKA_SASL_USERNAME: Type.Optional(Type.String()),
    KAFKA_SASL_USERNAME_FILE: Type.Optional(Type.String()),
    KAFKA_SASL_PASSWORD: Type.Optional(Type.String()),
    KAFKA_SASL_PASSWORD_FILE: Type.Optional(Type.String()),
    // OAUTHBEARER is Amazon MSK's IAM authentication here: tokens signed for this region.
    KAFKA_SASL_AWS_REGION: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$' })),
    // PEM files: the CA bundle that signed the brokers' certificates (without it, the system's
    // trusted CAs, right for a public provider), and a client certificate and key for mTLS.
    KAFKA_SSL_CA_FILE: Type.Optional(Type.String()),
    KAFKA_SSL_CERT_FILE: Type.Optional(Type.String()),
    KAFKA_SSL_KEY_FILE: Type.Optional(Type.String()),
  };
}

const schema = Type.Object(kafkaSecurityConfig());
export type KafkaSecuritySettings = Type.Static<typeof schema> & { KAFKA_BROKERS: string };

export type SecurityProtocol = (typeof securityProtocols)[number];

/** What a client needs to connect, resolved from the settings (files read, PEM checked). */
export interface KafkaSecurity {
  protocol: SecurityProtocol;
  /** TLS to the brokers (SSL, SASL_SSL): PEM texts, absent = the system's trusted CAs, no client cert. */
  tls: { ca?: string; cert?: string; key?: string } | null;
  sasl:
    | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
    | { mechanism: 'oauthbearer'; awsRegion: string }
    | null;
}

export type ReadFile = (path: string) => string;
const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;
/** A broker address's host: `host:port`, `[v6]:port`. */
const brokerHost = (broker: string) => broker.replace(/:\d+$/, '');

/** Each PEM block of a bundle, parsed: a CA file may hold a chain. Throws on the first bad one. */
function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM "BEGIN CERTIFICATE" block');
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * Resolves the security settings, reading the files they name. `problems` lists what is wrong in
 * terms of the variables, so the process refuses to start with a message a user can act on:
 * credentials in clear text to a remote broker, a CA file that does not parse, half an mTLS pair.
 */
export function resolveKafkaSecurity(
  settings: KafkaSecuritySettings,
  readFile: ReadFile = readUtf8,
): { security: KafkaSecurity; problems: string[] } {
  const problems: string[] = [];
  const protocol = settings.KAFKA_SECURITY_PROTOCOL;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';

  const read = (variable: string, path: string): string | undefined => {
    try {
      return readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      problems.push(`${variable}: cannot read ${path} (${code})`);
      return undefined;
    }
  };
  // A value or a file holding it (a mounted Secret; its trailing newline is not part of it).
  const valueOrFile = (name: 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'): string | undefined => {
    const value = settings[name];
    const file = settings[`${name}_FILE`];
    if (value !== undefined && file !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set: set one`);
      return undefined;
    }
    if (file !== undefined) return read(`${name}_FILE`, file)?.replace(/\r?\n$/, '');
    return value;
  };

  let tls: KafkaSecurity['tls'] = null;
  const tlsFiles = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;
  if (!usesTls) {
    const set = tlsFiles.filter((f) => settings[f] !== undefined);
    if (set.length > 0)
      problems.push(
        `${set.join(', ')} set but KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS (use SSL or SASL_SSL)`,
      );
  } else {
    tls = {};
    if (settings.KAFKA_SSL_CA_FILE !== undefined) {
      const pem = read('KAFKA_SSL_CA_FILE', settings.KAFKA_SSL_CA_FILE);
      if (pem !== undefined) {
        try {
          parseCertificates(pem);
          tls.ca = pem;
        } catch (err) {
          problems.push(
            `KAFKA_SSL_CA_FILE: ${settings.KAFKA_SSL_CA_FILE} is not a PEM certificate bundle (${(err as Error).message})`,
          );
        }
      }
    }
    const certFile = settings.KAFKA_SSL_CERT_FILE;
    const keyFile = settings.KAFKA_SSL_KEY_FILE;
    if ((certFile === undefined) !== (keyFile === undefined)) {
      problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mTLS): set both or neither');
    } else if (certFile !== undefined && keyFile !== undefined) {
      const certPem = read('KAFKA_SSL_CERT_FILE', certFile);
      const keyPem = read('KAFKA_SSL_KEY_FILE', keyFile);
      let cert: X509Certificate | undefined;
      let key: KeyObject | undefined;
      if (certPem !== undefined) {
        try {
          cert = parseCertificates(certPem)[0];
        } catch (err) {
          problems.push(
            `KAFKA_SSL_CERT_FILE: ${certFile} is not a PEM certificate (${(err as Error).message})`,
          );
        }
      }
      if (keyPem !== undefined) {
        try {
          key = createPrivateKey(keyPem);
        } catch (err) {
          problems.push(
            `KAFKA_SSL_KEY_FILE: ${keyFile} is not an unencrypted PEM private key (${(err as Error).message})`,
          );
        }
      }
      if (cert && key && !cert.checkPrivateKey(key)) {
        problems.push(`KAFKA_SSL_KEY_FILE: ${keyFile} is not the key of the certificate in ${certFile}`);
      }
      if (cert && key) Object.assign(tls, { cert: certPem, key: keyPem });
    }
  }

  let sasl: KafkaSecurity['sasl'] = null;
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if (!usesSasl) {
    if (mechanism !== undefined)
      problems.push(
        `KAFKA_SASL_MECHANISM=${mechanism} set but KAFKA_SECURITY_PROTOCOL=${protocol} does not use SASL (use SASL_SSL)`,
      );
  } else if (mechanism === undefined) {
    problems.push(
      `KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=${protocol} (${saslMechanisms.join(', ')})`,
    );
  } else if (mechanism === 'OAUTHBEARER') {
    if (settings.KAFKA_SASL_AWS_REGION === undefined) {
      problems.push('KAFKA_SASL_AWS_REGION: required with KAFKA_SASL_MECHANISM=OAUTHBEARER (Amazon MSK IAM)');
    } else {
      sasl = { mechanism: 'oauthbearer', awsRegion: settings.KAFKA_SASL_AWS_REGION };
    }
  } else {
    const username = valueOrFile('KAFKA_SASL_USERNAME');
    const password = valueOrFile('KAFKA_SASL_PASSWORD');
    for (const [name, value] of [
      ['KAFKA_SASL_USERNAME', username],
      ['KAFKA_SASL_PASSWORD', password],
    ] as const) {
      if (value === undefined && settings[name] === undefined && settings[`${name}_FILE`] === undefined)
        problems.push(`${name} (or ${name}_FILE): required with KAFKA_SASL_MECHANISM=${mechanism}`);
    }
    if (username !== undefined && password !== undefined) {
      sasl = {
        mechanism: mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512',
        username,
        password,
      };
    }
  }

  // PLAIN sends the password itself and OAUTHBEARER a bearer token: without TLS anyone on the
  // path can read and reuse them. Allowed only to a broker on this machine (the local stack).
  if (protocol === 'SASL_PLAINTEXT' && (mechanism === 'PLAIN' || mechanism === 'OAUTHBEARER')) {
    const remote = settings.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter((b) => b && !loopbackHost.test(brokerHost(b)));
    if (remote.length > 0)
      problems.push(
        `KAFKA_SASL_MECHANISM=${mechanism} over KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT would send the credentials in clear text to ${remote.join(', ')}: use SASL_SSL (clear text is allowed to localhost only)`,
      );
  }
  return { security: { protocol, tls, sasl }, problems };
}

/** The cross-field checks loadConfig runs for a schema holding kafkaSecurityConfig(). */
export function kafkaSecurityProblems(values: Record<string, unknown>, readFile?: ReadFile): string[] {
  if (typeof values.KAFKA_BROKERS !== 'string') return [];
  return resolveKafkaSecurity(values as KafkaSecuritySettings, readFile).problems;
}
