import Type from 'typebox';

/**
 * GET /api/snapshot: everything the dashboard page shows, as one JSON document, refreshed about
 * once a second from the real cluster (Kafka admin API) and the services' Prometheus /metrics
 * and /readyz.
 * The page is only a view of it; labs and scripts can read it too.
 */
const Broker = Type.Object({
  nodeId: Type.Union([Type.Integer(), Type.Null()], { description: 'null until the broker was seen once' }),
  address: Type.String({ description: 'host:port as configured (KAFKA_BROKERS) or advertised' }),
  configured: Type.Boolean({ description: 'listed in KAFKA_BROKERS' }),
  up: Type.Boolean({ description: 'registered in the cluster metadata right now' }),
  controller: Type.Boolean(),
  leaderOf: Type.Integer({ description: 'partitions this broker leads' }),
});

const Partition = Type.Object({
  partition: Type.Integer(),
  leader: Type.Integer({ description: '-1 when the partition has no leader (offline)' }),
  replicas: Type.Array(Type.Integer()),
  isr: Type.Array(Type.Integer()),
  underReplicated: Type.Boolean({ description: 'fewer in-sync replicas than replicas' }),
  startOffset: Type.Union([Type.Integer(), Type.Null()]),
  endOffset: Type.Union([Type.Integer(), Type.Null()]),
});

const Topic = Type.Object({
  name: Type.String(),
  dlq: Type.Boolean(),
  messages: Type.Union([Type.Integer(), Type.Null()], {
    description: 'sum of end offsets (messages ever written); null while any partition is unknown',
  }),
  underReplicated: Type.Integer(),
  partitions: Type.Array(Partition),
});

const Member = Type.Object({
  memberId: Type.String(),
  clientId: Type.String(),
  host: Type.String(),
  assignment: Type.Record(Type.String(), Type.Array(Type.Integer())),
});

const GroupPartition = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  end: Type.Integer(),
  committed: Type.Union([Type.Integer(), Type.Null()]),
  lag: Type.Integer(),
  owner: Type.Union([Type.String(), Type.Null()], { description: 'memberId of the member that owns it' }),
});

const Group = Type.Object({
  groupId: Type.String(),
  state: Type.String(),
  members: Type.Array(Member),
  partitions: Type.Array(GroupPartition),
  totalLag: Type.Integer(),
  error: Type.Optional(Type.String()),
});

const Rebalance = Type.Object({
  at: Type.String({ format: 'date-time' }),
  groupId: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  joined: Type.Array(Type.String()),
  left: Type.Array(Type.String()),
  reassigned: Type.Boolean(),
  summary: Type.String(),
});

const Counts = Type.Object({
  placed: Type.Number(),
  refused: Type.Number(),
  reserved: Type.Number(),
  confirmed: Type.Number(),
  rejected: Type.Number(),
  emailed: Type.Number({ description: 'confirmation emails the SMTP server accepted' }),
});

const Target = Type.Object({
  url: Type.String(),
  service: Type.Union([Type.String(), Type.Null()]),
  up: Type.Boolean(),
  error: Type.Optional(Type.String()),
  outboxBacklog: Type.Union([Type.Number(), Type.Null()]),
  deadLettered: Type.Number({ description: 'akaso_dead_lettered_total of this instance' }),
  ready: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'GET /readyz answered 200; null when it could not be read at all',
  }),
  failing: Type.Record(Type.String(), Type.String(), {
    description: 'the readiness checks that fail, with the reason the instance gives',
  }),
  readiness: Type.String({ description: '"ready", or "not ready: <check>: <reason>; …" for people' }),
});

export const SnapshotBody = Type.Object({
  at: Type.String({ format: 'date-time' }),
  intervalMs: Type.Integer(),
  cluster: Type.Object({
    clusterId: Type.Union([Type.String(), Type.Null()]),
    controllerId: Type.Union([Type.Integer(), Type.Null()]),
    brokers: Type.Array(Broker),
    partitions: Type.Integer(),
    underReplicated: Type.Integer(),
    offline: Type.Integer({ description: 'partitions without a leader' }),
    error: Type.Optional(Type.String()),
  }),
  topics: Type.Array(Topic),
  groups: Type.Array(Group),
  rebalances: Type.Array(Rebalance, { description: 'most recent first' }),
  funnel: Type.Object({
    totals: Counts,
    points: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), rates: Counts })),
  }),
  outbox: Type.Object({ backlog: Type.Number(), targets: Type.Array(Target) }),
  dlq: Type.Array(Type.Object({ topic: Type.String(), messages: Type.Union([Type.Integer(), Type.Null()]) })),
  errors: Type.Array(Type.String(), { description: 'what could not be read this time' }),
});

export type Snapshot = Type.Static<typeof SnapshotBody>;
export type BrokerView = Type.Static<typeof Broker>;
export type TopicView = Type.Static<typeof Topic>;
export type GroupViewBody = Type.Static<typeof Group>;
export type TargetView = Type.Static<typeof Target>;
