import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, saslSslBootstrapServers } from '@akaso/stack-client';
import { dataDir } from './paths.ts';

/**
 * The local stack's TLS material for the brokers' SASL_SSL listeners, made at start-up with
 * openssl (Node can parse X.509 but not sign it): a CA of its own and one broker certificate it
 * signed, for 127.0.0.1 and localhost, the address every broker listens on. Kafka 4 reads the
 * key and chain straight from a PEM file (ssl.keystore.type=PEM): no JKS, no keytool.
 */
export const kafkaTlsDir = join(dataDir, 'kafka', 'tls');
/** The files of a TLS directory (the stack's: kafkaTls). */
export const tlsFiles = (dir: string) => ({
  dir,
  /** What a client trusts (KAFKA_SSL_CA_FILE). */
  caFile: join(dir, 'ca.crt'),
  caKeyFile: join(dir, 'ca.key'),
  /** The brokers' key (PKCS#8) followed by their certificate and the CA's (ssl.keystore.location). */
  keystoreFile: join(dir, 'broker-keystore.pem'),
  brokerCertFile: join(dir, 'broker.crt'),
});
export type TlsFiles = ReturnType<typeof tlsFiles>;
export const kafkaTls = tlsFiles(kafkaTlsDir);

/**
 * The sandbox's SASL user on the SASL_SSL listeners, with PLAIN and SCRAM-SHA-512. Example
 * credentials for a local stack on loopback only: NOT a secret, never reuse them anywhere.
 */
export const localSaslUser = { username: 'akaso', password: 'akaso-local-example-password' } as const;

// Renewed this long before it expires, so a stack left running for weeks keeps working.
const renewBeforeMs = 7 * 24 * 3_600_000;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function valid(file: string, now: number): boolean {
  if (!existsSync(file)) return false;
  try {
    return Date.parse(new X509Certificate(readFileSync(file)).validTo) - now > renewBeforeMs;
  } catch {
    return false;
  }
}

/**
 * Makes the CA and the broker certificate unless valid ones exist (a new CA means clients must
 * take the new ca.crt: the next broker start serves the new certificate). Returns the paths.
 */
export function ensureKafkaTls(files: TlsFiles = kafkaTls, now = Date.now()): TlsFiles {
  if (valid(files.caFile, now) && valid(files.brokerCertFile, now) && existsSync(files.keystoreFile))
    return files;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'the SASL_SSL listeners need openssl to make their certificates: apt-get install openssl',
    );
  }
  rmSync(files.dir, { recursive: true, force: true });
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const tmp = (name: string) => join(files.dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    ['req', '-x509', ...ec, '-days', '825', '-subj', '/CN=Akaso Burger local Kafka CA']
      .concat([
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ])
      .concat(['-keyout', files.caKeyFile, '-out', files.caFile]),
  );
  openssl(['req', ...ec, '-subj', `/CN=${host}`, '-keyout', tmp('broker.key'), '-out', tmp('broker.csr')]);
  writeFileSync(
    tmp('broker.ext'),
    `subjectAltName=IP:${host},DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  openssl(
    ['x509', '-req', '-in', tmp('broker.csr'), '-CA', files.caFile, '-CAkey', files.caKeyFile].concat([
      '-CAcreateserial',
      '-days',
      '397',
      '-extfile',
      tmp('broker.ext'),
      '-out',
      files.brokerCertFile,
    ]),
  );
  // Kafka's PEM key store wants the key as PKCS#8 (openssl 3 writes that already; made explicit).
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', tmp('broker.key'), '-out', tmp('broker.pk8')]);
  writeFileSync(
    files.keystoreFile,
    readFileSync(tmp('broker.pk8'), 'utf8') +
      readFileSync(files.brokerCertFile, 'utf8') +
      readFileSync(files.caFile, 'utf8'),
    { mode: 0o600 },
  );
  for (const f of ['broker.key', 'broker.pk8', 'broker.csr', 'broker.ext', 'ca.srl'])
    rmSync(tmp(f), { force: true });
  return files;
}

export const kafkaSecurityModes = ['plaintext', 'sasl_ssl'] as const;
export type KafkaSecurityMode = (typeof kafkaSecurityModes)[number];

/**
 * How the local stack's services reach Kafka: PLAINTEXT (the default), or the SASL_SSL listeners
 * with SCRAM-SHA-512 and the stack's CA, set exactly as for a managed Kafka (.env.example).
 * AKASO_KAFKA_SECURITY (or `pnpm start --kafka-security sasl_ssl`) picks one.
 */
export function localKafkaSecurityEnv(
  mode: string = process.env.AKASO_KAFKA_SECURITY ?? 'plaintext',
): Record<string, string> {
  if (!kafkaSecurityModes.includes(mode as KafkaSecurityMode))
    throw new Error(`AKASO_KAFKA_SECURITY must be one of ${kafkaSecurityModes.join(', ')}, got ${mode}`);
  if (mode === 'plaintext') return {};
  return {
    KAFKA_BROKERS: saslSslBootstrapServers.join(','),
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: localSaslUser.username,
    KAFKA_SASL_PASSWORD: localSaslUser.password,
    KAFKA_SSL_CA_FILE: kafkaTls.caFile,
  };
}
