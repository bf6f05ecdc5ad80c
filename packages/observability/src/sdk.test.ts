import type { IncomingMessage } from 'node:http';
import { metrics, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { RootSampler } from './sampler.ts';
import { startTracing, untracedRequest } from './sdk.ts';
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

describe('untracedRequest', () => {
  const req = (url: string, traceparent?: string) =>
    ({ url, headers: traceparent ? { traceparent } : {} }) as unknown as IncomingMessage;
  const tp = (flags: string) => `00-${'a'.repeat(32)}-${'b'.repeat(16)}-${flags}`;

  it('leaves probes and scrapes untraced whatever the sampler says', () => {
    expect(untracedRequest(req('/readyz'), new RootSampler(1, 0))).toBe(true);
    expect(untracedRequest(req('/metrics?x=1'), null)).toBe(true);
  });

  it('follows a traceparent: traced when sampled, untraced when not', () => {
    const spent = new RootSampler(1, 1, () => 0);
    expect(untracedRequest(req('/orders', tp('01')), spent)).toBe(false);
    expect(untracedRequest(req('/orders', tp('00')), new RootSampler(1, 0))).toBe(true);
  });

  it('without one, asks the root sampler whether a new trace could start now', () => {
    let now = 0;
    const s = new RootSampler(1, 1, () => now);
    expect(untracedRequest(req('/orders'), s)).toBe(false);
    s.shouldSample(ROOT_CONTEXT, 'f'.repeat(32), 'POST /orders', SpanKind.SERVER, {}, []);
    expect(untracedRequest(req('/orders'), s)).toBe(true);
    now += 1_000;
    expect(untracedRequest(req('/orders'), s)).toBe(false);
  });
});
