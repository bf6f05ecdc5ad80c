import { env } from '@akaso/config';
import Type from 'typebox';

/**
 * Tracing settings, with the OpenTelemetry SDK's standard names (the same under compose and in
 * .env.example). Spread into every service's schema (packages/service serviceConfig) and read
 * by the register file before the service starts.
 */
export function tracingConfig() {
  return {
    // On by default; true turns the SDK off entirely: no loader hooks, no spans, no export.
    OTEL_SDK_DISABLED: env.bool(false),
    // Jaeger's OTLP/HTTP receiver (traces go to <endpoint>/v1/traces).
    OTEL_EXPORTER_OTLP_ENDPOINT: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:4318' }),
    // Parent-based ratio sampling: a new trace (POST /orders) is kept with this probability and
    // every later hop follows the decision carried in `traceparent`, so a trace is whole or absent.
    OTEL_TRACES_SAMPLER_ARG: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    // And at most this many new traces a second per process (0: no cap): every order at a
    // workshop's pace, a bounded cost in a rush (`pnpm bench --tracing`: see docs/workshop/13).
    TRACES_MAX_PER_SECOND: Type.Number({ minimum: 0, default: 10 }),
    // Defaults to the service's package name (@akaso/payment → payment).
    OTEL_SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
  };
}

const schema = Type.Object(tracingConfig());
export const tracingConfigSchema = schema;
export type TracingConfig = Type.Static<typeof schema>;
