/**
 * Reading traces back from Jaeger's HTTP API (the one its UI uses: /api/traces), for the
 * integration test and workshop lab 13. Spans are flattened to what a reader asks: which
 * service, which operation, whose child, when and how long.
 */
export interface TraceSpan {
  spanId: string;
  /** The CHILD_OF parent; null for the trace's root. */
  parentId: string | null;
  service: string;
  operation: string;
  /** Microseconds since the epoch, as Jaeger reports them. */
  startUs: number;
  durationUs: number;
  tags: Record<string, unknown>;
}

interface JaegerTrace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    references?: { refType: string; spanID: string }[];
    startTime: number;
    duration: number;
    processID: string;
    tags?: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string }>;
}

function flatten(trace: JaegerTrace): TraceSpan[] {
  return trace.spans
    .map((s) => ({
      spanId: s.spanID,
      parentId: s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID ?? null,
      service: trace.processes[s.processID]?.serviceName ?? '?',
      operation: s.operationName,
      startUs: s.startTime,
      durationUs: s.duration,
      tags: Object.fromEntries((s.tags ?? []).map((t) => [t.key, t.value])),
    }))
    .sort((a, b) => a.startUs - b.startUs);
}

/** One trace's spans, oldest first; null while Jaeger does not know it (yet). */
export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<TraceSpan[] | null> {
  const res = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET ${jaegerUrl}/api/traces/${traceId}: HTTP ${res.status}`);
  const body = (await res.json()) as { data: JaegerTrace[] | null };
  const trace = body.data?.[0];
  return trace ? flatten(trace) : null;
}

/** Recent traces holding a span of `service` (with `operation`, if given), newest first. */
export async function findTraces(
  jaegerUrl: string,
  query: { service: string; operation?: string; lookbackMs?: number; limit?: number },
): Promise<{ traceId: string; spans: TraceSpan[] }[]> {
  const end = Date.now() * 1000;
  const params = new URLSearchParams({
    service: query.service,
    start: String(end - (query.lookbackMs ?? 3_600_000) * 1000),
    end: String(end),
    limit: String(query.limit ?? 100),
    ...(query.operation ? { operation: query.operation } : {}),
  });
  const res = await fetch(`${jaegerUrl}/api/traces?${params}`);
  if (!res.ok) throw new Error(`GET ${jaegerUrl}/api/traces: HTTP ${res.status}`);
  const body = (await res.json()) as { data: JaegerTrace[] | null };
  return (body.data ?? []).map((t) => ({ traceId: t.traceID, spans: flatten(t) }));
}

/** The chain from the root down to `span` (root first), following CHILD_OF parents. */
export function ancestry(spans: readonly TraceSpan[], span: TraceSpan): TraceSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: TraceSpan[] = [];
  for (let s: TraceSpan | undefined = span; s && chain.length <= spans.length; ) {
    chain.unshift(s);
    s = s.parentId === null ? undefined : byId.get(s.parentId);
  }
  return chain;
}

/** The order's hops: its messaging and provider spans, in causal order (a chain's links). */
export const isHop = (s: TraceSpan) =>
  /^(POST \/orders|send |process |payment provider|smtp )/.test(s.operation);

export interface HopSegment {
  /** `service operation` of the hop the segment starts at. */
  hop: string;
  /** From this hop's start to the next hop's start (the last: to its own end). */
  ms: number;
}

/**
 * Where an order's time went, along the causal chain that ends at `last` (e.g. the confirmation
 * mail): one segment per hop. A `send` segment is the time the event spent between the relay's
 * publish and the consumer taking it up (in Kafka, in the fetch, in the batcher); a `process`
 * segment is the consumer's work until it published the next event, third parties included.
 */
export function hopSegments(spans: readonly TraceSpan[], last: TraceSpan): HopSegment[] {
  const chain = ancestry(spans, last).filter(isHop);
  return chain.map((s, i) => {
    const next = chain[i + 1];
    const endUs = next ? next.startUs : s.startUs + s.durationUs;
    return { hop: `${s.service} ${s.operation}`, ms: Math.max(0, (endUs - s.startUs) / 1000) };
  });
}
