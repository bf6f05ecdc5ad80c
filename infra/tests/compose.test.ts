import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readVersions, repoRoot } from '../../scripts/stack/paths.ts';
import { kafka } from '../../scripts/stack/topology.ts';

interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string | number>;
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const kafkaServices = kafka.nodes.map((n) => ({ node: n, svc: compose.services[`kafka-${n.id}`] }));

// The compose topology and the local one must not drift apart (issue 4 widens these checks).
describe('docker-compose.yml agrees with the local stack', () => {
  it('runs the Kafka version pinned in infra/versions.env on every node', () => {
    const { KAFKA_VERSION } = readVersions();
    for (const { svc } of kafkaServices) expect(svc?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });

  it('has the same node ids, cluster id and a quorum naming every node once', () => {
    for (const { node, svc } of kafkaServices) {
      const env = svc?.environment ?? {};
      expect(Number(env.KAFKA_NODE_ID)).toBe(node.id);
      expect(env.CLUSTER_ID).toBe(kafka.clusterId);
      const voters = String(env.KAFKA_CONTROLLER_QUORUM_VOTERS).split(',');
      expect(voters.map((v) => Number(v.split('@')[0])).sort()).toEqual(kafka.nodes.map((n) => n.id));
      for (const v of voters) {
        const [id, address] = v.split('@');
        expect(address).toBe(`kafka-${id}:9093`);
      }
    }
  });

  it('publishes each broker on the same host port as the local stack and keeps auto-create off', () => {
    for (const { node, svc } of kafkaServices) {
      expect(svc?.ports).toContain(`${node.brokerPort}:${node.brokerPort}`);
      expect(String(svc?.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`localhost:${node.brokerPort}`);
      expect(String(svc?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE)).toBe('false');
      expect(Number(svc?.environment?.KAFKA_MIN_INSYNC_REPLICAS)).toBe(2);
    }
  });
});
