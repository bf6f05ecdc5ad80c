import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRush } from './rush.ts';

// A stand-in API that accepts every order at once: this file tests the driver's clock, not a server.
let server: Server;
let baseUrl = '';
beforeAll(async () => {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
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
