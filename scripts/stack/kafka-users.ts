import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapServers, kafka } from '@akaso/stack-client';
import { libDir } from './kafka.ts';
import { kafkaTlsDir, localSaslUser } from './kafka-tls.ts';
import { repoRoot } from './paths.ts';
import { capture, type Reporter } from './proc.ts';

/**
 * Creates or updates a SCRAM-SHA-512 user with Kafka's own tool (kafka-configs), over PLAINTEXT:
 * kafkajs has no AlterUserScramCredentials. The credential lives in the cluster's metadata log.
 */
export async function upsertScramUser(
  user: string,
  password: string,
  bootstrap = bootstrapServers[0] as string,
): Promise<void> {
  const { code, stdout, stderr } = await capture(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${join(repoRoot, 'infra', 'kafka', 'log4j2.properties')}`,
      '-cp',
      `${libDir}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      bootstrap,
      '--alter',
      '--add-config',
      `SCRAM-SHA-512=[iterations=8192,password=${password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      user,
    ],
    { timeoutMs: 60_000 },
  );
  if (code !== 0) throw new Error(`kafka-configs could not create SCRAM user ${user}: ${stderr || stdout}`);
}

// Records that this cluster has the user (a JVM start per `pnpm start` would cost seconds of CPU);
// it lives beside the certificates, so wiping Kafka's data forgets both.
const marker = join(kafkaTlsDir, 'scram-users');
const fingerprint = () =>
  createHash('sha256')
    .update(`${kafka.clusterId} ${localSaslUser.username} ${localSaslUser.password}`)
    .digest('hex');

/** The SASL_SSL listeners' SCRAM-SHA-512 user (PLAIN's is in the brokers' JAAS line), once per cluster. */
export async function ensureSaslUsers(reporter: Reporter): Promise<void> {
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === fingerprint()) return;
  reporter.step(`creating the SCRAM-SHA-512 user ${localSaslUser.username} for the SASL_SSL listeners`);
  await upsertScramUser(localSaslUser.username, localSaslUser.password);
  writeFileSync(marker, `${fingerprint()}\n`);
}
