/**
 * Reading traces back from Jaeger's HTTP API (the one its UI uses: /api/traces), for the
 * integration test and workshop lab 13. Spans are flattened to what a reader asks: which
 * service, which operation, whose child, when and how long.
 */
export interface TraceSpan {
  spanId: string;
  /** The CHILD_OF parent; null for the trace's root. */
  parentId: string | null;
  /**
   * FOLLOWS_FROM references (OpenTelemetry links): a consumer span handled in a batch of several
   * messages links the batch's own span, which lives in a trace of its own.
   */
  links: { traceId: string; spanId: string }[];
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
    references?: { refType: string; traceID: string; spanID: string }[];
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
      links: (s.references ?? [])
        .filter((r) => r.refType === 'FOLLOWS_FROM')
        .map((r) => ({ traceId: r.traceID, spanId: r.spanID })),
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

/**
 * The chain from the trace's root down to `span`, or null while a span on it has not reached
 * Jaeger. Every service exports its spans on its own schedule (in batches, about every second),
 * so Jaeger can hold a late hop (the mail) before the hop that caused it (order-api's publish):
 * the chain `ancestry` returns then stops short, and a reader must wait rather than read it.
 */
export function rootedChain(spans: readonly TraceSpan[], span: TraceSpan): TraceSpan[] | null {
  const chain = ancestry(spans, span);
  return chain[0]?.parentId === null ? chain : null;
}

/** The order's hops: its messaging and provider spans, in causal order (a chain's links). */
export const isHop = (s: TraceSpan) =>
  /^(POST \/orders|send |process |payment provider|smtp )/.test(s.operation);

/** An order's way to its confirmation mail, as read from its trace. */
export type ConfirmationPath =
  | {
      complete: true;
      /** From `POST /orders` (the root) down to the mail, root first. */
      chain: TraceSpan[];
      mail: TraceSpan;
      /** The card charge, a child of the payment hop on the chain. */
      charge: TraceSpan;
    }
  | { complete: false; missing: string };

const label = (s: TraceSpan) => `${s.service} ${s.operation}`;

/**
 * The chain from `POST /orders` to the order's confirmation mail, and the card charge hanging
 * under that chain's payment hop, once Jaeger holds all of it; else what is still missing. A
 * trace is read whole or not at all: read as soon as the mail was in, it once gave a chain of
 * two email spans whose longest hop was the SMTP send (order-api's spans arrived a moment later).
 */
export function confirmationPath(spans: readonly TraceSpan[]): ConfirmationPath {
  const mails = spans.filter(
    (s) => s.operation === 'smtp send' && s.tags['akaso.mail.kind'] === 'confirmation',
  );
  if (mails.length === 0) return { complete: false, missing: 'the confirmation mail (smtp send)' };
  let missing = '';
  for (const mail of mails) {
    const chain = rootedChain(spans, mail);
    if (!chain) {
      const top = ancestry(spans, mail)[0] as TraceSpan;
      missing = `the parent of ${label(top)}: the chain from the mail up to POST /orders is not whole yet`;
      continue;
    }
    const onChain = new Set(chain.map((s) => s.spanId));
    const charge = spans.find(
      (s) => s.operation === 'payment provider charge' && s.parentId !== null && onChain.has(s.parentId),
    );
    if (charge) return { complete: true, chain, mail, charge };
    missing = `a card charge on the chain ${chain.filter(isHop).map(label).join(' → ')}`;
  }
  return { complete: false, missing };
}

export interface HopSegment {
  /** `service operation` of the hop the segment starts at. */
  hop: string;
  /** From this hop's start to the next hop's start (the last: to its own end). */
  ms: number;
}

/**
 * Where an order's time went, along a causal chain (root first, e.g. `confirmationPath`'s, down
 * to the confirmation mail): one segment per hop. A `send` segment is the time the event spent
 * between the relay's publish and the consumer taking it up (in Kafka, in the fetch, in the
 * batcher); a `process` segment is the consumer's work until it published the next event,
 * third parties included.
 */
export function hopSegments(chain: readonly TraceSpan[]): HopSegment[] {
  const hops = chain.filter(isHop);
  return hops.map((s, i) => {
    const next = hops[i + 1];
    const endUs = next ? next.startUs : s.startUs + s.durationUs;
    return { hop: label(s), ms: Math.max(0, (endUs - s.startUs) / 1000) };
  });
}
