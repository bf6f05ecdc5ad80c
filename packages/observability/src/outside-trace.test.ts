import { context, TraceFlags, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from './sdk.ts';
import { outsideTrace } from './spans.ts';
import { shutdownTracing } from './state.ts';

describe('outsideTrace', () => {
  beforeAll(() =>
    startTracing({
      OTEL_SDK_DISABLED: false,
      // Nothing listens there, and nothing is exported: the request's span below is only a context.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_TRACES_SAMPLER_ARG: 1,
      TRACES_MAX_PER_SECOND: 10,
      OTEL_SERVICE_NAME: 'outside-trace-test',
    }),
  );
  afterAll(() => shutdownTracing());

  it("runs work started inside a request's trace without it, after its awaits too", async () => {
    const request = trace.wrapSpanContext({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: TraceFlags.SAMPLED,
    });
    await context.with(trace.setSpan(context.active(), request), async () => {
      expect(trace.getActiveSpan()).toBe(request);
      const seen = await outsideTrace(async () => {
        const before = trace.getActiveSpan();
        await new Promise((r) => setTimeout(r, 1));
        return [before, trace.getActiveSpan()];
      });
      expect(seen).toEqual([undefined, undefined]);
      // The caller's own trace goes on.
      expect(trace.getActiveSpan()).toBe(request);
    });
  });
});
