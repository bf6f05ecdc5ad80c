/**
 * The local (no-Docker) topology: every port and address the stack uses, in one place.
 * docker-compose.yml mirrors it (same Kafka version, node ids, quorum and cluster id); a test
 * keeps the two from drifting apart.
 */
export const host = '127.0.0.1';

export interface KafkaNode {
  id: number;
  /** Client listener (PLAINTEXT). */
  brokerPort: number;
  /** KRaft controller listener. */
  controllerPort: number;
}

export const kafka = {
  /** Fixed so a wiped cluster comes back with the same id; also the compose CLUSTER_ID. */
  clusterId: 'lRDRB_nK67MpksDU4R2h_w',
  nodes: [
    { id: 1, brokerPort: 19092, controllerPort: 19093 },
    { id: 2, brokerPort: 29092, controllerPort: 29093 },
    { id: 3, brokerPort: 39092, controllerPort: 39093 },
  ] satisfies KafkaNode[],
  /** Heap per broker+controller JVM: three of them share a 2-core box with PostgreSQL and Node. */
  heap: { min: '256m', max: '768m' },
} as const;

export const bootstrapServers = kafka.nodes.map((n) => `${host}:${n.brokerPort}`);
export const controllerQuorumVoters = kafka.nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',');

export const postgres = {
  port: 55432,
  user: 'postgres',
  /** One database per service: a service never reads another service's tables. */
  databases: ['order_api', 'inventory', 'payment', 'email'],
} as const;

export const stripeMock = { port: 12111 } as const;
export const mailpit = { smtpPort: 1025, httpPort: 8025 } as const;

export function postgresUrl(database: string): string {
  return `postgresql://${postgres.user}@${host}:${postgres.port}/${database}`;
}
