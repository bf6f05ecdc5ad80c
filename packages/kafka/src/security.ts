import {
  ConfigError,
  env,
  type KafkaSecurity,
  type KafkaSecuritySettings,
  kafkaSecurityConfig,
  loadConfig,
  parseBrokers,
  resolveKafkaSecurity,
} from '@akaso/config';
import type { OauthbearerProviderResponse, SASLOptions } from 'kafkajs';
import Type from 'typebox';
import type { KafkaClientOptions } from './client.ts';
import { type MskSigner, mskIamTokenProvider } from './msk-iam.ts';

/**
 * The Kafka settings of a client that is not a service (dashboard, labs, bench, `pnpm dlq`): the
 * brokers and how to reach them securely, with the same names and checks as the services'.
 */
export const kafkaConfigSchema = Type.Object({ KAFKA_BROKERS: env.brokers(), ...kafkaSecurityConfig() });
export type KafkaConfig = Type.Static<typeof kafkaConfigSchema>;

/**
 * Reads and validates a script's Kafka settings; `defaultBrokers` (the local stack's) apply when
 * KAFKA_BROKERS is unset. Throws ConfigError listing every problem.
 */
export function loadKafkaConfig(
  name: string,
  defaultBrokers?: readonly string[],
  source: Record<string, string | undefined> = process.env,
): KafkaConfig {
  const withDefault = source.KAFKA_BROKERS ? source : { ...source, KAFKA_BROKERS: defaultBrokers?.join(',') };
  return loadConfig(name, kafkaConfigSchema, withDefault);
}

export interface SecurityHooks {
  /** OAUTHBEARER with another token source than Amazon MSK IAM (e.g. an OIDC client). */
  oauthBearerProvider?: () => Promise<OauthbearerProviderResponse>;
  /** MSK IAM's signer (default: aws-msk-iam-sasl-signer-js, loaded when first needed). */
  mskSigner?: MskSigner;
}

/** The kafkajs `ssl` and `sasl` options for resolved security settings. */
export function securityOptions(
  security: KafkaSecurity,
  hooks: SecurityHooks = {},
): Pick<KafkaClientOptions, 'ssl' | 'sasl'> {
  const out: Pick<KafkaClientOptions, 'ssl' | 'sasl'> = {};
  if (security.tls) {
    const { ca, cert, key } = security.tls;
    // Certificates are always verified: without a CA file, against the system's trusted CAs
    // (a public provider's), never with rejectUnauthorized: false.
    out.ssl = ca || cert ? { ...(ca ? { ca: [ca] } : {}), ...(cert && key ? { cert, key } : {}) } : true;
  }
  const sasl = security.sasl;
  if (sasl?.mechanism === 'oauthbearer') {
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider:
        hooks.oauthBearerProvider ??
        mskIamTokenProvider({
          region: sasl.awsRegion,
          ...(hooks.mskSigner ? { signer: hooks.mskSigner } : {}),
        }),
    } satisfies SASLOptions;
  } else if (sasl) {
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  }
  return out;
}

/**
 * The one way every client of the project gets its kafkajs options from its configuration:
 * brokers, TLS (CA, mTLS pair) and SASL, plus what the caller sets itself (client id, logger,
 * timeouts). Throws ConfigError if the settings do not combine (loadConfig refuses those first).
 */
export function kafkaClientOptions(
  config: KafkaSecuritySettings,
  client: Omit<KafkaClientOptions, 'brokers' | 'ssl' | 'sasl'>,
  hooks: SecurityHooks = {},
): KafkaClientOptions {
  const { security, problems } = resolveKafkaSecurity(config);
  if (problems.length > 0) throw new ConfigError(client.clientId, problems);
  return { ...client, brokers: parseBrokers(config.KAFKA_BROKERS), ...securityOptions(security, hooks) };
}
