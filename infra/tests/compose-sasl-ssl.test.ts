import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveKafkaSecurity } from '../../packages/config/src/kafka-security.ts';
import { ensureKafkaTls, tlsFiles } from '../../scripts/stack/kafka-tls.ts';
import { readVersions, repoRoot } from '../../scripts/stack/paths.ts';

// docker-compose.sasl-ssl.yml, merged over docker-compose.yml as `docker compose -f … -f …` does
// (compose-go, without a Docker engine): the brokers' TLS listener and the clients' settings must
// agree with each other, since nothing here runs them.

interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: { source?: string; target: string }[];
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[];
}
const res = spawnSync(
  'go',
  ['run', '.', `${join(repoRoot, 'docker-compose.yml')},${join(repoRoot, 'docker-compose.sasl-ssl.yml')}`],
  { cwd: join(repoRoot, 'infra', 'compose-check'), encoding: 'utf8', timeout: 300_000 },
);
const services: Record<string, Service> =
  res.status === 0 ? (JSON.parse(res.stdout) as { services: Record<string, Service> }).services : {};
const brokers = ['kafka-1', 'kafka-2', 'kafka-3'];
const clients = ['order-api', 'inventory', 'payment', 'email', 'dashboard'];
const env = (name: string) => services[name]?.environment ?? {};
const mountOf = (svc: string, path: string) =>
  services[svc]?.volumes?.find((v) => path.startsWith(`${v.target}/`))?.source;

const scratch = mkdtempSync(join(tmpdir(), 'compose-sasl-ssl-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docker-compose.sasl-ssl.yml over docker-compose.yml', () => {
  it('is a valid Compose project', () => {
    expect(res.stderr).not.toMatch(/invalid compose file/);
    expect(res.status).toBe(0);
  });

  it('gives every broker a TLS listener (SASL_SSL) on the compose network, after its key store is made', () => {
    for (const name of brokers) {
      const e = env(name);
      expect(e.KAFKA_LISTENERS).toContain('TLS://:9095');
      expect(e.KAFKA_ADVERTISED_LISTENERS).toContain(`TLS://${name}:9095`);
      // The image's start script wants a JAAS file for `SASL_…://` and its own key store for `SSL://`.
      expect(e.KAFKA_ADVERTISED_LISTENERS).not.toMatch(/SASL_.*:\/\/|SSL:\/\//);
      expect(e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toContain('TLS:SASL_SSL');
      expect(e.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
      expect(mountOf(name, e.KAFKA_LISTENER_NAME_TLS_SSL_KEYSTORE_LOCATION ?? '')).toBe('kafka-tls');
      expect(services[name]?.depends_on?.['kafka-tls']?.condition).toBe('service_completed_successfully');
    }
  });

  it('points every client at the TLS listeners with SCRAM-SHA-512, a login the brokers know, and a CA they can read', () => {
    const advertised = brokers.map((b) => `${b}:9095`).join(',');
    const scramUser = services['kafka-scram-user']?.entrypoint?.join(' ') ?? '';
    for (const name of clients) {
      const e = env(name);
      expect(e.KAFKA_BROKERS, name).toBe(advertised);
      expect(e.KAFKA_SECURITY_PROTOCOL).toBe('SASL_SSL');
      expect(env('kafka-1').KAFKA_LISTENER_NAME_TLS_SASL_ENABLED_MECHANISMS?.split(',')).toContain(
        e.KAFKA_SASL_MECHANISM,
      );
      expect(scramUser).toContain(`--entity-name ${e.KAFKA_SASL_USERNAME}`);
      expect(scramUser).toContain(`password=${e.KAFKA_SASL_PASSWORD}]`);
      expect(env('kafka-1').KAFKA_LISTENER_NAME_TLS_PLAIN_SASL_JAAS_CONFIG).toContain(
        `user_${e.KAFKA_SASL_USERNAME}="${e.KAFKA_SASL_PASSWORD}"`,
      );
      // The CA comes from the volume the one-shot kafka-tls writes it to.
      const caVolume = mountOf(name, e.KAFKA_SSL_CA_FILE ?? '');
      expect(caVolume).toBe('kafka-tls-ca');
      expect(services['kafka-tls']?.volumes?.map((v) => v.source)).toContain(caVolume);
      expect(services[name]?.depends_on?.['kafka-scram-user']?.condition).toBe(
        'service_completed_successfully',
      );
    }
  });

  it('gives the services settings that pass their start-up checks (the CA read as a real PEM)', () => {
    const ca = readFileSync(ensureKafkaTls(tlsFiles(join(scratch, 'tls'))).caFile, 'utf8');
    for (const name of clients) {
      const { security, problems } = resolveKafkaSecurity(env(name) as never, () => ca);
      expect(problems, name).toEqual([]);
      expect(security).toMatchObject({ protocol: 'SASL_SSL', sasl: { mechanism: 'scram-sha-512' } });
    }
  });

  it('uses the Kafka image pinned for the local stack for its one-shot steps', () => {
    const { KAFKA_VERSION } = readVersions();
    for (const name of ['kafka-tls', 'kafka-scram-user'])
      expect(services[name]?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });
});
