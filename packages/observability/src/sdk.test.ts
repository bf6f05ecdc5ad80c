import { metrics, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { startTracing } from './sdk.ts';
import { shutdownTracing } from './state.ts';

describe('startTracing', () => {
  afterAll(() => shutdownTracing());

  it('registers a tracer provider and nothing else: no OTLP meter provider behind every query', () => {
    startTracing({
      OTEL_SDK_DISABLED: false,
      // Nothing listens there: this test exports nothing (no span is started).
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_TRACES_SAMPLER_ARG: 1,
      TRACES_MAX_PER_SECOND: 10,
      OTEL_SERVICE_NAME: 'sdk-test',
    });
    // The API hands out its no-op providers until an SDK registers one.
    expect(trace.getTracerProvider().constructor.name).not.toMatch(/^Noop/);
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
  });
});
