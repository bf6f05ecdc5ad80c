import type { OauthbearerProviderResponse } from 'kafkajs';
import { KafkaSecurityError } from './security-errors.ts';

/** aws-msk-iam-sasl-signer-js' `generateAuthToken`: a SigV4-signed URL (base64) and its expiry (epoch ms). */
export type MskSigner = (options: { region: string }) => Promise<{ token: string; expiryTime: number }>;

const signerPackage = 'aws-msk-iam-sasl-signer-js';

/**
 * AWS's signer, loaded only when a client uses MSK IAM. It is not a dependency of the project:
 * it brings the AWS SDK's credential chain (STS, SSO, Cognito… about a hundred packages) that no
 * other setup needs. A deployment on MSK IAM adds it: `pnpm --filter @akaso/kafka add
 * aws-msk-iam-sasl-signer-js`.
 */
export const loadMskSigner: MskSigner = async (options) => {
  let mod: { generateAuthToken?: MskSigner };
  try {
    // A variable specifier: the package is optional, so neither TypeScript nor a bundler resolves it.
    mod = (await import(signerPackage)) as { generateAuthToken?: MskSigner };
  } catch (err) {
    throw new KafkaSecurityError(
      'KAFKA_MSK_SIGNER_MISSING',
      `KAFKA_SASL_MECHANISM=OAUTHBEARER (Amazon MSK IAM) needs the npm package ${signerPackage}, which is not installed: pnpm --filter @akaso/kafka add ${signerPackage}`,
      { cause: err },
    );
  }
  if (typeof mod.generateAuthToken !== 'function')
    throw new KafkaSecurityError('KAFKA_MSK_SIGNER_MISSING', `${signerPackage} has no generateAuthToken`);
  return mod.generateAuthToken(options);
};

export interface MskIamOptions {
  region: string;
  signer?: MskSigner;
  now?: () => number;
  /** A token is replaced this long before it expires, so no connection presents a stale one. */
  refreshBeforeMs?: number;
}

/**
 * kafkajs' oauthBearerProvider for Amazon MSK IAM. kafkajs asks on every connection's login and
 * leaves reuse to the provider: a token (valid ~15 min) is shared by all logins until shortly
 * before it expires, and concurrent logins wait for the same signing.
 */
export function mskIamTokenProvider({
  region,
  signer = loadMskSigner,
  now = Date.now,
  refreshBeforeMs = 60_000,
}: MskIamOptions): () => Promise<OauthbearerProviderResponse> {
  let current: { value: string; refreshAt: number } | null = null;
  let signing: Promise<OauthbearerProviderResponse> | null = null;
  return async () => {
    if (current && now() < current.refreshAt) return { value: current.value };
    signing ??= (async () => {
      try {
        const { token, expiryTime } = await signer({ region });
        current = { value: token, refreshAt: expiryTime - refreshBeforeMs };
        return { value: token };
      } finally {
        signing = null;
      }
    })();
    return signing;
  };
}
