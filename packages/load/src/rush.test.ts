import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRush } from './rush.ts';

// A stand-in API that accepts every order at once: this file tests the driver's clock, not a server.
let server: Server;
let baseUrl = '';
/** Called with each request the stand-in received (a test's trigger). */
let onOrder: () => void = () => {};
beforeAll(async () => {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      onOrder();
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ orderId: `o${n++}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** One second of arrivals towards `targetRps`, from `startRps` (a flat stage when they are equal). */
const oneSecond = (targetRps: number, startRps?: number) =>
  runRush({
    baseUrl,
    mode: 'async',
    stages: [{ durationS: 1, targetRps }],
    ...(startRps === undefined ? {} : { startRps }),
    users: 1_000,
    runId: 'clock',
  });

describe('runRush: the arrival clock', () => {
  it('offers exactly rate × duration on a flat stage, the last slice included', async () => {
    const r = await oneSecond(300, 300);
    expect(r.offered).toBe(300);
    expect(r.accepted).toBe(300);
    expect(r.offeredRps).toBe(300);
  });

  it('offers the integral of a ramp (0 → 200/s over 1 s: 100 orders)', async () => {
    const r = await oneSecond(200);
    expect(r.offered).toBe(100);
  });
});

describe('runRush: stopped early', () => {
  it('sends nothing more after the abort, answers what is in flight, and reports the time to the stop', async () => {
    const stop = new AbortController();
    let received = 0;
    onOrder = () => {
      received++;
      if (received === 40) stop.abort();
    };
    const r = await runRush({
      baseUrl,
      mode: 'async',
      stages: [{ durationS: 60, targetRps: 200 }],
      startRps: 200,
      users: 1_000,
      runId: 'stop',
      signal: stop.signal,
    });
    onOrder = () => {};
    expect(r.stopped).toBe(true);
    expect(r.durationS).toBeLessThan(60);
    expect(r.offered).toBeLessThan(60 * 200);
    expect(r.sent).toBeGreaterThanOrEqual(40);
    // Everything sent reached the stand-in and was answered before runRush returned.
    expect(received).toBe(r.sent);
    expect(r.accepted).toBe(r.sent);
    expect(r.acceptedRps).toBeCloseTo(r.accepted / r.durationS, 0);
  });

  it('offers nothing when stopped before the start', async () => {
    const r = await runRush({
      baseUrl,
      mode: 'async',
      stages: [{ durationS: 60, targetRps: 200 }],
      users: 1_000,
      runId: 'stopped',
      signal: AbortSignal.abort(),
    });
    expect(r).toMatchObject({
      stopped: true,
      offered: 0,
      sent: 0,
      durationS: 0,
      offeredRps: 0,
      acceptedRps: 0,
    });
  });
});
