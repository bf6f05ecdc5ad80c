/**
 * The local (no-Docker) topology: every port and address the stack uses, in one place.
 * docker-compose.yml mirrors it (same Kafka version, node ids, quorum and cluster id); a test
 * keeps the two from drifting apart.
 */
export const host = '127.0.0.1';

/**
 * AKASO_PORT_OFFSET (e.g. 1000) shifts every port below, so a second clone (with its own .data)
 * can run a whole second stack next to the first. 0 (the default) is the documented topology.
 */
export const portOffset = Number(process.env.AKASO_PORT_OFFSET ?? 0);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset % 1000 !== 0) {
  throw new Error(`AKASO_PORT_OFFSET must be a multiple of 1000, got ${process.env.AKASO_PORT_OFFSET}`);
}
const at = (port: number) => port + portOffset;

export interface KafkaNode {
  id: number;
  /** Client listener (PLAINTEXT). */
  brokerPort: number;
  /** KRaft controller listener. */
  controllerPort: number;
  /** SASL_PLAINTEXT + SCRAM-SHA-512 listener: the secure profile (workshop lab 10). */
  securePort: number;
  /** SASL_SSL listener (PLAIN, SCRAM-SHA-512) with the stack's own CA: a managed Kafka's setup, locally. */
  tlsPort: number;
}

export const kafka = {
  /** Fixed so a wiped cluster comes back with the same id; also the compose CLUSTER_ID. */
  clusterId: 'lRDRB_nK67MpksDU4R2h_w',
  nodes: [
    { id: 1, brokerPort: at(19092), controllerPort: at(19093), securePort: at(19094), tlsPort: at(19095) },
    { id: 2, brokerPort: at(29092), controllerPort: at(29093), securePort: at(29094), tlsPort: at(29095) },
    { id: 3, brokerPort: at(39092), controllerPort: at(39093), securePort: at(39094), tlsPort: at(39095) },
  ] satisfies KafkaNode[],
  /**
   * Heap per broker+controller JVM: three of them share a laptop with PostgreSQL and Node. The
   * heap starts small and grows only as far as the brokers' live data needs (with the log
   * cleaner's buffer sized down in server.properties, little for this cluster's partitions).
   * It starts near what a broker holds live at rest, so it holds no pages the broker never
   * needed (docs/performance.md, "two smaller starts"). The young generation is fixed and small:
   * the serial collector sizes it to a third of the heap, and every page of it is touched
   * between two collections, while what a broker allocates dies young (requests, responses).
   */
  heap: { min: '64m', max: '256m', young: '16m' },
} as const;

export const bootstrapServers = kafka.nodes.map((n) => `${host}:${n.brokerPort}`);
/** The SASL/SCRAM listeners: clients there authenticate, and ACLs decide what they may do. */
export const secureBootstrapServers = kafka.nodes.map((n) => `${host}:${n.securePort}`);
/** The SASL_SSL listeners (TLS with the stack's CA, then PLAIN or SCRAM-SHA-512). */
export const saslSslBootstrapServers = kafka.nodes.map((n) => `${host}:${n.tlsPort}`);
export const controllerQuorumVoters = kafka.nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',');

export const postgres = {
  port: at(55432),
  user: 'postgres',
  /** One database per service: a service never reads another service's tables. */
  databases: ['order_api', 'inventory', 'payment', 'email'],
} as const;

export const stripeMock = { port: at(12111) } as const;
/**
 * The charge counter in front of stripe-mock (scripts/stack/charge-counter.ts): the payment
 * service's STRIPE_API_BASE points here, so every charge that reaches the provider is counted.
 */
export const chargeCounter = { port: at(12113) } as const;
export const chargeCounterUrl = `http://${host}:${chargeCounter.port}`;
export const mailpit = { smtpPort: at(1025), httpPort: at(8025) } as const;
/** Jaeger v2 (the trace store and UI): OTLP in, the query API and UI out, a health endpoint. */
export const jaeger = {
  otlpGrpcPort: at(4317),
  otlpHttpPort: at(4318),
  uiPort: at(16686),
  queryGrpcPort: at(16685),
  healthPort: at(13133),
} as const;
export const jaegerUrl = `http://${host}:${jaeger.uiPort}`;
export const otlpEndpoint = `http://${host}:${jaeger.otlpHttpPort}`;
/**
 * Ports fetch() and browsers refuse to connect to (the WHATWG Fetch standard's "bad ports", in
 * the range an offset can reach): with AKASO_PORT_OFFSET=3000 the order API would land on 6000
 * (X11), which neither the storefront nor any fetch()-based check could reach.
 */
const fetchRefusedPorts = new Set([
  2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
export const fetchRefuses = (port: number) => fetchRefusedPorts.has(port);

/** A service's base port, moved up by 20 when one of its 16 instance ports would be refused. */
function servicePort(port: number): number {
  let p = at(port);
  while (Array.from({ length: 16 }, (_, i) => p + i).some(fetchRefuses)) p += 20;
  return p;
}

/** Instance i of a service listens on its base port + i - 1. */
export const serviceBasePorts = {
  'order-api': servicePort(3000),
  inventory: servicePort(3100),
  payment: servicePort(3200),
  email: servicePort(3300),
  dashboard: servicePort(3400),
} as const;
export const apiUrl = `http://${host}:${serviceBasePorts['order-api']}`;
export const mailpitUrl = `http://${host}:${mailpit.httpPort}`;
export const postgresServerUrl = `postgresql://${'postgres'}@${host}:${at(55432)}`;

export function postgresUrl(database: string): string {
  return `postgresql://${postgres.user}@${host}:${postgres.port}/${database}`;
}

/** Where the rush's audit reads the local stack: the databases, the inbox, the cluster, the charges. */
export const auditTarget = {
  postgresUrl: postgresServerUrl,
  mailpitUrl,
  brokers: bootstrapServers,
  chargesUrl: chargeCounterUrl,
};
