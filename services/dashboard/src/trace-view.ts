import Type from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * One order's trace as the waterfall draws it, from Jaeger's query API (`GET /api/traces/:id`).
 * Pure: Jaeger's answer in, the view out, so it is tested from a recorded answer.
 */

// What we read of Jaeger's answer (its UI's JSON model); everything else is ignored.
const JaegerTag = Type.Object({ key: Type.String(), value: Type.Unknown() });
const JaegerSpan = Type.Object({
  traceID: Type.String(),
  spanID: Type.String(),
  operationName: Type.String(),
  references: Type.Array(Type.Object({ refType: Type.String(), spanID: Type.String() })),
  startTime: Type.Number({ description: 'µs since the epoch' }),
  duration: Type.Number({ description: 'µs' }),
  tags: Type.Array(JaegerTag),
  logs: Type.Optional(Type.Array(Type.Object({ timestamp: Type.Number(), fields: Type.Array(JaegerTag) }))),
  processID: Type.String(),
});
export const JaegerAnswer = Type.Object({
  data: Type.Union([
    Type.Array(
      Type.Object({
        traceID: Type.String(),
        spans: Type.Array(JaegerSpan),
        processes: Type.Record(Type.String(), Type.Object({ serviceName: Type.String() })),
      }),
    ),
    Type.Null(),
  ]),
});
export type JaegerAnswer = Type.Static<typeof JaegerAnswer>;
const checkAnswer = Compile(JaegerAnswer);

/** Is this Jaeger's answer shape (a changed API must read as "unreachable", not as a crash)? */
export const isJaegerAnswer = (value: unknown): value is JaegerAnswer => checkAnswer.Check(value);

export const SpanKind = Type.Union([
  Type.Literal('server'),
  Type.Literal('client'),
  Type.Literal('producer'),
  Type.Literal('consumer'),
  Type.Literal('internal'),
]);

const TraceSpan = Type.Object({
  spanId: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()], { description: 'null for a root' }),
  depth: Type.Integer({ minimum: 0, description: 'nesting under its parent, for the indentation' }),
  service: Type.String(),
  operation: Type.String(),
  kind: SpanKind,
  startUs: Type.Integer({ minimum: 0, description: "µs after the trace's first span started" }),
  durationUs: Type.Integer({ minimum: 0 }),
  tags: Type.Record(Type.String(), Type.String(), {
    description:
      'the tags worth reading in a waterfall (route, topic, partition, offset, key, group, database…)',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: "the span's error, null if it succeeded" }),
});
export type TraceSpan = Type.Static<typeof TraceSpan>;

const KafkaHop = Type.Object({
  topic: Type.String(),
  partition: Type.Union([Type.String(), Type.Null()]),
  from: Type.Object({ spanId: Type.String(), service: Type.String() }),
  to: Type.Object({
    spanId: Type.String(),
    service: Type.String(),
    group: Type.Union([Type.String(), Type.Null()]),
  }),
  waitUs: Type.Integer({
    description:
      "from the send to the start of the processing: the event's trip through Kafka (written to the in-sync replicas, fetched by the consumer)",
  }),
});

export const TraceBody = Type.Object({
  traceId: Type.String(),
  startedAt: Type.String({ description: 'ISO 8601, the first span' }),
  durationUs: Type.Integer({ minimum: 0, description: 'first start to last end' }),
  services: Type.Array(Type.Object({ name: Type.String(), spans: Type.Integer(), errors: Type.Integer() }), {
    description: 'in the order each first appears',
  }),
  spans: Type.Array(TraceSpan, {
    description: 'waterfall order: each span followed by its children, by start',
  }),
  hops: Type.Array(KafkaHop, {
    description: 'each event through Kafka: a producer span and a consumer span under it',
  }),
});
export type TraceBody = Type.Static<typeof TraceBody>;

/** Tags shown beside a span (OpenTelemetry semantic conventions as Jaeger stores them). */
const keyTags = [
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.full',
  'messaging.destination.name',
  'messaging.destination.partition.id',
  'messaging.kafka.offset',
  'messaging.kafka.message.key',
  'messaging.consumer.group.name',
  'messaging.batch.message_count',
  'db.system.name',
  'db.namespace',
  'db.postgresql.plan',
  'server.address',
  'server.port',
  'akaso.order_id',
  'akaso.mail.kind',
];

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const kinds = new Set(['server', 'client', 'producer', 'consumer', 'internal']);

function errorOf(
  tags: Map<string, unknown>,
  logs: { fields: { key: string; value: unknown }[] }[] | undefined,
): string | null {
  const failed =
    tags.get('otel.status_code') === 'ERROR' || tags.get('error') === true || tags.get('error') === 'true';
  if (!failed) return null;
  const description = tags.get('otel.status_description');
  if (description !== undefined && description !== '') return text(description);
  // The SDK records a thrown error as an "exception" event: its message says what went wrong.
  for (const log of logs ?? []) {
    const message = log.fields.find((f) => f.key === 'exception.message');
    if (message) return text(message.value);
  }
  return 'error';
}

/** Jaeger's answer for one trace as the waterfall's view; null when Jaeger has no such trace. */
export function toTraceView(answer: JaegerAnswer): TraceBody | null {
  const trace = answer.data?.[0];
  if (!trace || trace.spans.length === 0) return null;
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const spans = trace.spans.map((s) => {
    const tags = new Map(s.tags.map((t) => [t.key, t.value]));
    const kind = String(tags.get('span.kind') ?? 'internal');
    // A parent Jaeger has not received (yet) makes the span a root rather than losing it.
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID)) ?? null;
    return {
      spanId: s.spanID,
      parentId: parent?.spanID ?? null,
      depth: 0,
      service: trace.processes[s.processID]?.serviceName ?? s.processID,
      operation: s.operationName,
      kind: (kinds.has(kind) ? kind : 'internal') as TraceSpan['kind'],
      startUs: Math.round(s.startTime - t0),
      durationUs: Math.round(s.duration),
      tags: Object.fromEntries(
        keyTags.filter((k) => tags.has(k)).map((k) => [k, text(tags.get(k))] as const),
      ) as Record<string, string>,
      error: errorOf(tags, s.logs),
    } satisfies TraceSpan;
  });

  // Waterfall order: depth-first from the roots, siblings by start time.
  const byStart = (a: TraceSpan, b: TraceSpan) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId);
  const children = new Map<string | null, TraceSpan[]>();
  for (const s of spans) children.set(s.parentId, [...(children.get(s.parentId) ?? []), s]);
  const ordered: TraceSpan[] = [];
  const walk = (parentId: string | null, depth: number) => {
    for (const s of (children.get(parentId) ?? []).sort(byStart)) {
      ordered.push({ ...s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);

  const services: TraceBody['services'] = [];
  for (const s of [...spans].sort(byStart)) {
    let entry = services.find((x) => x.name === s.service);
    if (!entry) {
      entry = { name: s.service, spans: 0, errors: 0 };
      services.push(entry);
    }
    entry.spans++;
    if (s.error !== null) entry.errors++;
  }

  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const hops: TraceBody['hops'] = ordered
    .filter((s) => s.kind === 'consumer' && s.parentId !== null && byId.get(s.parentId)?.kind === 'producer')
    .map((consumer) => {
      const producer = byId.get(consumer.parentId ?? '') as TraceSpan;
      return {
        topic:
          consumer.tags['messaging.destination.name'] ?? producer.tags['messaging.destination.name'] ?? '?',
        partition: consumer.tags['messaging.destination.partition.id'] ?? null,
        from: { spanId: producer.spanId, service: producer.service },
        to: {
          spanId: consumer.spanId,
          service: consumer.service,
          group: consumer.tags['messaging.consumer.group.name'] ?? null,
        },
        // From the send's start, not its end: the acknowledgement (acks=all) reaches the producer
        // about when a waiting consumer's fetch returns, so the consumer often starts first.
        waitUs: Math.max(0, consumer.startUs - producer.startUs),
      };
    });

  return {
    traceId: trace.traceID,
    startedAt: new Date(t0 / 1000).toISOString(),
    durationUs: Math.max(...spans.map((s) => s.startUs + s.durationUs)),
    services,
    spans: ordered,
    hops,
  };
}
