import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { TracingConfig } from './config.ts';
import { orderSampler } from './sampler.ts';
import { markTracingStarted, onTracingShutdown } from './state.ts';

// Probes and scrapes are polled all day (the dashboard reads every /metrics and its page reads
// /api/snapshot each second): as spans they would be most of the traces and most of the cost,
// and tell nothing about an order.
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics|api\/snapshot)(\?|$)/;

/** The modules the instrumentations patch: the only ones the ESM loader hook has to wrap. */
export const instrumentedModules = ['pg', 'pg-pool', 'http', 'https', 'node:http', 'node:https'];

export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
      // An outgoing call is traced only inside a traced operation (Stripe, the sync baseline).
      requireParentforOutgoingSpans: true,
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

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP export in batches (BatchSpanProcessor: spans are
 * queued in memory and sent every second, never one request per span), parent-based ratio
 * sampling, and the HTTP, undici and pg instrumentations. Kafka and SMTP spans are made by hand
 * (kafka-spans.ts, spans.ts).
 */
export function startTracing(config: TracingConfig): void {
  const exporter = new OTLPTraceExporter({
    url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`,
  });
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName(),
    sampler: orderSampler(config.OTEL_TRACES_SAMPLER_ARG, config.TRACES_MAX_PER_SECOND),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: 1_000,
        maxExportBatchSize: 1_024,
        maxQueueSize: 8_192,
      }),
    ],
    instrumentations: instrumentations(),
    // Traces only. Left to its defaults (OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER unset mean
    // "otlp"), the SDK also starts an OTLP meter provider, through which the pg and HTTP
    // instrumentations record a histogram point per query and per request, exported every
    // minute to Jaeger, which takes no metrics; and an OTLP logger provider nothing writes to.
    // Metrics are Prometheus' (/metrics), logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
    // Host and process attributes only: no cloud or container detectors probing at start-up.
    autoDetectResources: false,
  });
  sdk.start();
  markTracingStarted();
  onTracingShutdown(() => sdk.shutdown());
}
