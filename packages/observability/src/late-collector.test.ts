import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { otlpExporter, traceExportProcessor } from './sdk.ts';

/**
 * On a first start the services run minutes before Jaeger is built: their exporter posts to a
 * port nobody listens on. It must cost them nothing (no waiting, no growing queue, no log line per
 * attempt) and traces must arrive once Jaeger listens.
 */

/** A loopback port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The production exporter, counting the spans it is handed and the results it reports. */
function counting(inner: SpanExporter) {
  const results: ExportResult[] = [];
  let spansHanded = 0;
  let calls = 0;
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      calls++;
      spansHanded += spans.length;
      inner.export(spans, (r) => {
        results.push(r);
        done(r);
      });
    },
    shutdown: () => inner.shutdown(),
  };
  return { exporter, results, spansHanded: () => spansHanded, calls: () => calls };
}

/** Moves the fake clock on, letting real socket events (a refused connect, a reply) land in between. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) {
    await vi.advanceTimersByTimeAsync(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error(`never happened: ${what}`);
}

describe('exporting while Jaeger is not there yet', () => {
  const written: string[] = [];
  const diagLines: string[] = [];
  let jaeger: Server | null = null;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    written.length = 0;
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      });
    }
    // What OTEL_LOG_LEVEL=warn would print (the services set no level: the SDK's diag logger is
    // then a no-op), recorded to count it.
    diagLines.length = 0;
    const record = (message: string) => {
      diagLines.push(message);
    };
    diag.setLogger(
      { error: record, warn: record, info: record, debug: record, verbose: record },
      DiagLogLevel.WARN,
    );
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    diag.disable();
    await new Promise<void>((resolve) => (jaeger ? jaeger.close(() => resolve()) : resolve()));
    jaeger = null;
  });

  it('queues without waiting, bounds the queue, logs nothing, and delivers once Jaeger listens', async () => {
    const port = await closedPort();
    const { exporter, results, spansHanded, calls } = counting(otlpExporter(`http://127.0.0.1:${port}`));
    const provider = new TracerProvider({ spanProcessors: [traceExportProcessor(exporter)] });
    const tracer = provider.getTracer('late-collector-test');

    // A rush's worth of spans, far more than the queue holds.
    const ended = 20_000;
    for (let i = 0; i < ended; i++) tracer.startSpan(`order ${i}`).end();
    // span.end() returned every time although no export has finished: nothing waited for one.
    expect(results).toEqual([]);

    // Every batch handed over fails (connection refused), each after the exporter's bounded
    // retries, and the queue drains: what did not fit was dropped, not kept.
    let settledAt = -1;
    await until(() => {
      const idle = calls() > 0 && results.length === calls();
      if (!idle) settledAt = -1;
      else if (settledAt < 0) settledAt = Date.now();
      // Idle for longer than the processor's 1 s schedule: nothing is left to send.
      return idle && Date.now() - settledAt > 3_000;
    }, 'the queue drained');
    expect(results.every((r) => r.code === ExportResultCode.FAILED)).toBe(true);
    expect(spansHanded()).toBeLessThanOrEqual(1_024 + 8_192);
    expect(spansHanded()).toBeLessThan(ended);
    expect(written).toEqual([]);
    // At warn level, one line per failed batch and one for the dropped spans: no line per span or
    // per retry, and a batch is tried again only after the exporter's backoff.
    expect(diagLines.length).toBeGreaterThan(0);
    expect(diagLines.length).toBeLessThanOrEqual(results.length + 1);

    // Jaeger comes up on that port: the next span gets through.
    const received: string[] = [];
    jaeger = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => jaeger?.listen(port, '127.0.0.1', resolve));
    const failedBefore = results.length;
    tracer.startSpan('after jaeger came up').end();
    await until(() => results.length > failedBefore, 'an export after Jaeger came up');
    expect(results.at(-1)?.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^POST \/v1\/traces .*after jaeger came up/);
    expect(written).toEqual([]);
    await provider.shutdown();
  });
});
