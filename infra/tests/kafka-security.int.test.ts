import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, encodeEvent, newEvent, topics } from '@akaso/contracts';
import {
  ACKS_ALL,
  createKafka,
  createProducer,
  diagnoseKafkaFailure,
  type KafkaClientOptions,
  kafkaClientOptions,
  loadKafkaConfig,
  withAdmin,
} from '@akaso/kafka';
import { saslSslBootstrapServers } from '@akaso/stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafkaTls, localKafkaSecurityEnv, tlsFiles } from '../../scripts/stack/kafka-tls.ts';
import { ensureSaslUsers } from '../../scripts/stack/kafka-users.ts';
import { repoRoot } from '../../scripts/stack/paths.ts';
import { silentReporter } from '../../scripts/stack/proc.ts';
import { serviceEnv } from '../../scripts/stack/services.ts';

// The brokers' SASL_SSL listeners, as a client of a managed Kafka meets them: TLS with a CA file,
// then SCRAM-SHA-512 or PLAIN. Every client here is built by kafkaClientOptions from settings
// named as in .env.example, the way the services build theirs.

const secure = localKafkaSecurityEnv('sasl_ssl');
const options = (vars: Record<string, string>, clientId = 'it-security'): KafkaClientOptions =>
  kafkaClientOptions(loadKafkaConfig(clientId, [], vars), { clientId, logLevel: 'nothing' });

/** The cause a client names when it cannot reach the cluster (null: it could). */
async function failure(opts: KafkaClientOptions) {
  try {
    await withAdmin(createKafka(opts), (admin) => admin.listTopics());
    return null;
  } catch (err) {
    return (await diagnoseKafkaFailure(err, opts)) ?? err;
  }
}

const topic = `it.security.${randomUUID()}`;
const scratch = mkdtempSync(join(tmpdir(), 'akaso-security-'));

beforeAll(async () => {
  // The SCRAM user comes with the stack (pnpm start); made here too for a stack started earlier.
  await ensureSaslUsers(silentReporter);
});
afterAll(async () => {
  await withAdmin(createKafka(options(secure)), (admin) => admin.deleteTopics({ topics: [topic] })).catch(
    () => {},
  );
  rmSync(scratch, { recursive: true, force: true });
});

describe('Kafka over SASL_SSL (the local stack’s own CA)', () => {
  it('carries an order event, produced and consumed over SASL_SSL + SCRAM-SHA-512', async () => {
    const client = createKafka(options(secure));
    await withAdmin(client, (admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
      }),
    );
    const order = newEvent(
      'OrderPlaced',
      { orderId: randomUUID(), userId: `sasl-${randomUUID().slice(0, 8)}` },
      {
        email: 'sasl@akaso.test',
        items: [{ burgerId: 'classic', name: 'Classic Burger', quantity: 1, unitPriceCents: 297 }],
        burgers: 1,
        paymentMethod: 'pm_card_visa',
        totalCents: 297,
        currency: 'eur',
      },
    );
    const producer = createProducer(client);
    await producer.connect();
    await producer.send({
      topic,
      acks: ACKS_ALL,
      messages: [{ key: order.userId, value: encodeEvent(topics.orders, order) }],
    });
    await producer.disconnect();

    const consumer = client.consumer({ groupId: `it-security-${randomUUID().slice(0, 8)}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(decodeEvent(topics.orders, message.value));
          },
        });
      });
      expect(received).toEqual(order);
    } finally {
      await consumer.disconnect();
    }
  });

  it('takes PLAIN too, on the same TLS listener', async () => {
    expect(await failure(options({ ...secure, KAFKA_SASL_MECHANISM: 'PLAIN' }))).toBeNull();
  });

  it('names a wrong password', async () => {
    const err = await failure(options({ ...secure, KAFKA_SASL_PASSWORD: 'not-the-password' }));
    expect(err).toMatchObject({ code: 'KAFKA_AUTHENTICATION_FAILED' });
    expect((err as Error).message).toMatch(
      /^Kafka refused the SASL SCRAM-SHA-512 login of user "akaso": wrong credentials\? check KAFKA_SASL_USERNAME \/ KAFKA_SASL_PASSWORD/,
    );
  });

  it('names a CA that did not sign the brokers’ certificate', async () => {
    const other = ensureKafkaTls(tlsFiles(join(scratch, 'other-ca')));
    const err = await failure(options({ ...secure, KAFKA_SSL_CA_FILE: other.caFile }));
    expect(err).toMatchObject({ code: 'KAFKA_TLS_UNTRUSTED' });
    expect((err as Error).message).toMatch(/not trusted .*KAFKA_SSL_CA_FILE must hold the CA that signed it/);
  });

  it('names a plaintext client at the TLS port', async () => {
    const err = await failure(options({ KAFKA_BROKERS: saslSslBootstrapServers.join(',') }));
    expect(err).toMatchObject({ code: 'KAFKA_TLS_EXPECTED' });
    expect((err as Error).message).toMatch(
      /speaks TLS but KAFKA_SECURITY_PROTOCOL=PLAINTEXT: set SSL or SASL_SSL/,
    );
  });

  it('a service with a wrong password refuses to start, saying so', async () => {
    const env = {
      ...serviceEnv('email', 9),
      ...secure,
      KAFKA_SASL_PASSWORD: 'not-the-password',
      OTEL_SDK_DISABLED: 'true',
    };
    const child = spawn(
      process.execPath,
      ['--conditions=development', join(repoRoot, 'services', 'email', 'src', 'main.ts')],
      { cwd: join(repoRoot, 'services', 'email'), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, output).toBe(1);
    // In the fatal log line (JSON) and in the error the process dies of.
    expect(output).toMatch(
      /Kafka refused the SASL SCRAM-SHA-512 login of user \\?"akaso\\?": wrong credentials/,
    );
    expect(output).not.toMatch(/kafka not ready, retrying/);
  });
});
