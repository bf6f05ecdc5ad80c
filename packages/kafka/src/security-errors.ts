import { connect as tlsConnect } from 'node:tls';
import type { KafkaClientOptions } from './client.ts';
import { PermanentError } from './errors.ts';

export const kafkaSecurityErrorCodes = [
  'KAFKA_AUTHENTICATION_FAILED',
  'KAFKA_TLS_UNTRUSTED',
  'KAFKA_TLS_EXPECTED',
  'KAFKA_TLS_UNEXPECTED',
  'KAFKA_MSK_SIGNER_MISSING',
] as const;
export type KafkaSecurityErrorCode = (typeof kafkaSecurityErrorCodes)[number];

/**
 * A client that cannot reach the cluster because of its security settings. Retrying cannot help
 * (retriable: false): a service refuses to start with this message instead of retrying for a
 * minute and then printing a connection error that hides the cause.
 */
export class KafkaSecurityError extends PermanentError {
  declare readonly code: KafkaSecurityErrorCode;
  constructor(code: KafkaSecurityErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'KafkaSecurityError';
  }
}

// Node's certificate verification failures (tls: err.code).
const untrusted = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The error and its causes (kafkajs wraps in `cause` or `originalError`, retries in `retryCount`). */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = err as ErrorLike | undefined; e && typeof e === 'object' && out.length < 8; ) {
    out.push(e);
    e = (e.cause ?? e.originalError) as ErrorLike | undefined;
  }
  return out;
}

const text = (e: ErrorLike) => (typeof e.message === 'string' ? e.message : '');

/** Does a TLS handshake succeed with `host:port` (any certificate)? Tells a TLS port from a plaintext one. */
export function speaksTls(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Names the cause of a failure to reach the cluster when it is the client's security settings:
 * refused credentials, a certificate the CA file does not vouch for, TLS spoken to a plaintext
 * port or plaintext to a TLS port (asked of the first broker with a TLS handshake). Null when the
 * failure is something else (a broker down, a network problem), which is worth retrying.
 */
export async function diagnoseKafkaFailure(
  err: unknown,
  options: Pick<KafkaClientOptions, 'brokers' | 'ssl' | 'sasl'>,
): Promise<KafkaSecurityError | null> {
  const errors = chain(err);
  const own = errors.find((e) => e instanceof KafkaSecurityError);
  if (own) return own as KafkaSecurityError;
  const tls = Boolean(options.ssl);
  const sasl = options.sasl;
  const protocol = `${sasl ? 'SASL_' : ''}${tls ? 'SSL' : 'PLAINTEXT'}`;

  const auth = errors.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (auth && sasl) {
    const mechanism = sasl.mechanism.toUpperCase();
    const user = 'username' in sasl ? ` of user "${sasl.username}"` : '';
    if (/mechanism is not supported/i.test(text(auth)))
      return new KafkaSecurityError(
        'KAFKA_AUTHENTICATION_FAILED',
        `the broker does not offer SASL ${mechanism} on this listener (KAFKA_SASL_MECHANISM): ${text(auth)}`,
        { cause: err },
      );
    const what =
      mechanism === 'OAUTHBEARER'
        ? 'the IAM identity or its policy'
        : 'KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD';
    return new KafkaSecurityError(
      'KAFKA_AUTHENTICATION_FAILED',
      `Kafka refused the SASL ${mechanism} login${user}: wrong credentials? check ${what} (broker said: ${text(auth)})`,
      { cause: err },
    );
  }

  const cert = errors.find((e) => typeof e.code === 'string' && untrusted.has(e.code));
  if (cert && tls) {
    const hint =
      cert.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'its certificate does not name the host in KAFKA_BROKERS'
        : 'KAFKA_SSL_CA_FILE must hold the CA that signed it (without the file: the system CAs)';
    return new KafkaSecurityError(
      'KAFKA_TLS_UNTRUSTED',
      `the broker's TLS certificate is not trusted (${String(cert.code)}: ${text(cert)}): ${hint}`,
      { cause: err },
    );
  }

  const connection = errors.some(
    (e) =>
      e.name === 'KafkaJSConnectionError' ||
      e.name === 'KafkaJSConnectionClosedError' ||
      e.name === 'KafkaJSRequestTimeoutError' ||
      /before secure TLS connection|wrong version number|ECONNRESET|Closed connection|Connection closed/i.test(
        text(e),
      ),
  );
  if (!connection) return null;
  const first = options.brokers[0];
  if (!first) return null;
  const at = first.lastIndexOf(':');
  const host = first.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(first.slice(at + 1));
  const isTls = await speaksTls(host, port);
  if (!tls && isTls)
    return new KafkaSecurityError(
      'KAFKA_TLS_EXPECTED',
      `the broker at ${first} speaks TLS but KAFKA_SECURITY_PROTOCOL=${protocol}: set SSL or SASL_SSL`,
      { cause: err },
    );
  if (tls && !isTls && errors.some((e) => /before secure TLS connection|wrong version number/i.test(text(e))))
    return new KafkaSecurityError(
      'KAFKA_TLS_UNEXPECTED',
      `the broker at ${first} does not speak TLS but KAFKA_SECURITY_PROTOCOL=${protocol}: is it a PLAINTEXT port?`,
      { cause: err },
    );
  return null;
}
