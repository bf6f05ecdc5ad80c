import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { context, propagation, type Sampler, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  isTracingSuppressed,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './config.ts';
import { orderSampler, RootSampler } from './sampler.ts';
import { markTracingStarted, onTracingShutdown } from './state.ts';

// Probes and scrapes are polled all day (the dashboard reads every /metrics and its page reads
// /api/snapshot each second): as spans they would be most of the traces and most of the cost,
// and tell nothing about an order.
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics|api\/snapshot)(\?|$)/;

/** The modules the instrumentations patch: the only ones the ESM loader hook has to wrap. */
export const instrumentedModules = ['pg', 'pg-pool', 'http', 'https', 'node:http', 'node:https'];

/**
 * An incoming request whose span nobody would keep: a probe or scrape, one whose `traceparent`
 * says "not sampled", or a new trace when the root sampler would refuse it now (its cap spent
 * this second). The HTTP instrumentation then runs it with tracing suppressed: no span, no
 * attributes, no response listeners, and the pg queries under it skip their spans too. Left to
 * the instrumentation, each of the ~190 of 200 orders a second a rush does not trace still paid
 * for all of that in non-recording spans.
 */
export function untracedRequest(req: IncomingMessage, root: RootSampler | null): boolean {
  if (UNTRACED_PATHS.test(req.url ?? '')) return true;
  if (!root) return false;
  const parent = req.headers.traceparent;
  if (typeof parent === 'string') return (Number.parseInt(parent.slice(-2), 16) & TraceFlags.SAMPLED) === 0;
  return !root.mayStartTrace();
}

/** The active context belongs to a trace being recorded (and tracing is not suppressed). */
export function inRecordedTrace(): boolean {
  const ctx = context.active();
  if (isTracingSuppressed(ctx)) return false;
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

export function instrumentations(root: RootSampler | null = null): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => untracedRequest(req, root),
      // An outgoing call (Stripe) is traced only inside a recorded trace. Outside one the
      // instrumentation would still parse its options, build attributes, bind the request's
      // events and inject a "not sampled" traceparent: skipped, the call goes out as it is.
      ignoreOutgoingRequestHook: () => !inRecordedTrace(),
    }),
    new UndiciInstrumentation({
      requireParentforSpans: true,
      ignoreRequestHook: (req) => UNTRACED_PATHS.test(req.path),
    }),
    // requireParentSpan: the outbox relay polls and the readiness check queries all day;
    // only queries made for a request or a consumed batch become spans.
    new PgInstrumentation({
      requireParentSpan: true,
      ignoreConnectSpans: true,
      enhancedDatabaseReporting: false,
    }),
  ];
}

/** @akaso/payment → payment: the service name Jaeger lists, from the package in the cwd. */
function defaultServiceName(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { name?: string };
    return (pkg.name ?? 'akaso').replace(/^@akaso\//, '');
  } catch {
    return 'akaso';
  }
}

/** OTLP/HTTP to `<endpoint>/v1/traces` (Jaeger's receiver). */
export function otlpExporter(endpoint: string): SpanExporter {
  return new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
}

/**
 * Spans are queued in memory and sent in batches about every second, never one request per span.
 * The collector may be away (Jaeger still building on a first start, or stopped): span.end() only
 * queues, the queue is bounded (spans beyond it are dropped, not kept), a failed batch is
 * dropped after the exporter's bounded retries, and the failures go to OpenTelemetry's diag
 * logger, silent unless OTEL_LOG_LEVEL asks for it. When the collector appears, the next batch
 * gets through. late-collector.test.ts holds all of that.
 */
export function traceExportProcessor(exporter: SpanExporter): BatchSpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    scheduledDelayMillis: 1_000,
    maxExportBatchSize: 1_024,
    maxQueueSize: 8_192,
  });
}

/**
 * A tracer provider with the W3C propagators and an AsyncLocalStorage context, registered with the
 * OpenTelemetry API: what NodeSDK's start() sets up for traces, without NodeSDK itself. NodeSDK
 * imports every exporter it can be configured with (gRPC, protobuf, Zipkin, Prometheus) and the
 * metrics and logs SDKs, in every service, for traces exported over OTLP/HTTP only.
 */
export function installTracing(opts: {
  serviceName?: string;
  sampler?: Sampler;
  spanProcessors: SpanProcessor[];
  instrumentations: Instrumentation[];
}): { shutdown(): Promise<void> } {
  registerInstrumentations({ instrumentations: opts.instrumentations });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const provider = new TracerProvider({
    resource: opts.serviceName
      ? defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }))
      : defaultResource(),
    ...(opts.sampler ? { sampler: opts.sampler } : {}),
    spanProcessors: opts.spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP export in batches (traceExportProcessor), parent-based ratio
 * sampling, and the HTTP, undici and pg instrumentations. Kafka and SMTP spans are made by hand
 * (kafka-spans.ts, spans.ts).
 */
export function startTracing(config: TracingConfig): void {
  const root = new RootSampler(config.OTEL_TRACES_SAMPLER_ARG, config.TRACES_MAX_PER_SECOND);
  // Traces only: metrics are Prometheus' (/metrics), logs are pino's. No resource detectors
  // probing the host or a cloud at start-up: the service name and the SDK's own attributes.
  const tracing = installTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName(),
    sampler: orderSampler(root),
    spanProcessors: [traceExportProcessor(otlpExporter(config.OTEL_EXPORTER_OTLP_ENDPOINT))],
    instrumentations: instrumentations(root),
  });
  markTracingStarted();
  onTracingShutdown(() => tracing.shutdown());
}
