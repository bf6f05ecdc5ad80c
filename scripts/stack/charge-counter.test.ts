import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChargeCall, chargesPath } from '@akaso/stack-client';
import { chargeCall } from '@akaso/stack-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createChargeCounter,
  isCharge,
  loadCalls,
  orderIdOf,
  outcomeOf,
  selectCalls,
} from './charge-counter.ts';

const call = chargeCall;

describe('reading a charge', () => {
  it('classifies the provider answer', () => {
    expect([200, 402, 400, 404, 500, 503, null].map(outcomeOf)).toEqual([
      'succeeded',
      'declined',
      'refused',
      'refused',
      'error',
      'error',
      'unreachable',
    ]);
  });

  it('finds the order in the form body the Stripe SDK sends, and only POST /v1/payment_intents is a charge', () => {
    expect(orderIdOf('amount=594&currency=eur&metadata[orderId]=o-1&metadata[userId]=u')).toBe('o-1');
    expect(orderIdOf('amount=594&metadata%5BorderId%5D=o-2')).toBe('o-2');
    expect(orderIdOf('amount=594')).toBeNull();
    expect(isCharge('POST', '/v1/payment_intents')).toBe(true);
    expect(isCharge('POST', '/v1/payment_intents?expand[]=x')).toBe(true);
    expect(isCharge('GET', '/v1/payment_intents')).toBe(false);
    expect(isCharge('POST', '/v1/payment_intents/pi_1/confirm')).toBe(false);
  });
});

describe('which calls a reader gets', () => {
  const calls = [
    call({ at: '2026-12-24T11:00:00.000Z', orderId: 'a' }),
    call({ at: '2026-12-24T12:00:00.000Z', orderId: 'b' }),
    call({ at: '2026-12-24T12:00:00.000Z', orderId: null }),
    call({ at: '2026-12-24T13:00:00.000Z', orderId: 'a' }),
  ];
  const orders = (q: string) =>
    selectCalls(calls, new URLSearchParams(q)).map((c) => `${c.at.slice(11, 13)}${c.orderId}`);

  it('all of them without a question; those since a time (inclusive), in any ISO form', () => {
    expect(orders('')).toEqual(['11a', '12b', '12null', '13a']);
    expect(orders('since=2026-12-24T12:00:00.000Z')).toEqual(['12b', '12null', '13a']);
    expect(orders('since=2026-12-24T13:00:00%2B01:00')).toEqual(['12b', '12null', '13a']);
    expect(orders('since=2026-12-24T14:00:00Z')).toEqual([]);
  });

  it('those of the given orders, and both questions at once', () => {
    expect(orders('orderId=a')).toEqual(['11a', '13a']);
    expect(orders('orderId=a&orderId=b')).toEqual(['11a', '12b', '13a']);
    expect(orders('orderId=a&since=2026-12-24T12:00:00Z')).toEqual(['13a']);
  });
});

describe('the counting proxy', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  const listen = async (s: Server) => {
    servers.push(s);
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    return (s.address() as AddressInfo).port;
  };

  /** A stand-in provider answering each charge with the given status. */
  async function provider(status: number, opts: { hangUpOn?: number } = {}) {
    const seen: { path: string; key: string | undefined; body: string }[] = [];
    const stats = { connections: 0 };
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string, body });
        // The request reached the provider, and its answer is lost on the way back.
        if (seen.length === opts.hangUpOn) return req.socket.destroy();
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { id: 'pi_test', object: 'payment_intent' } : { error: {} }));
      });
    });
    server.on('connection', () => {
      stats.connections++;
    });
    const port = await listen(server);
    return { port, seen, stats };
  }

  const charge = (port: number, key: string, orderId: string) =>
    fetch(`http://127.0.0.1:${port}/v1/payment_intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
      body: `amount=100&currency=eur&metadata[orderId]=${orderId}`,
    });

  it('forwards requests unchanged, answers what the provider answered, and records each charge', async () => {
    const upstream = await provider(200);
    const file = join(mkdtempSync(join(tmpdir(), 'akaso-charges-')), 'calls.jsonl');
    const counter = createChargeCounter({ upstream: { host: '127.0.0.1', port: upstream.port }, file });
    const port = await listen(counter.server);

    const res = await charge(port, 'akaso-order-o1', 'o1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'pi_test', object: 'payment_intent' });
    await charge(port, 'akaso-order-o1', 'o1');
    expect((await fetch(`http://127.0.0.1:${port}/v1/customers`)).status).toBe(200); // forwarded, not a charge

    expect(upstream.seen.map((s) => [s.path, s.key])).toEqual([
      ['/v1/payment_intents', 'akaso-order-o1'],
      ['/v1/payment_intents', 'akaso-order-o1'],
      ['/v1/customers', undefined],
    ]);
    expect(upstream.seen[0]?.body).toBe('amount=100&currency=eur&metadata[orderId]=o1');
    // One kept-alive connection carried the three calls.
    expect(upstream.stats.connections).toBe(1);
    const { calls } = (await (await fetch(`http://127.0.0.1:${port}${chargesPath}`)).json()) as {
      calls: ChargeCall[];
    };
    expect(calls.map((c) => [c.key, c.orderId, c.outcome, c.paymentIntentId])).toEqual([
      ['akaso-order-o1', 'o1', 'succeeded', 'pi_test'],
      ['akaso-order-o1', 'o1', 'succeeded', 'pi_test'],
    ]);
    // On disk too: a restarted counter still knows them.
    expect(loadCalls(file)).toEqual(calls);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('forgets calls older than the retention, in memory and in the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'akaso-charges-')), 'calls.jsonl');
    const old = call({ at: '2026-12-20T12:00:00.000Z', orderId: 'old' });
    const recent = call({ at: '2026-12-24T11:00:00.000Z', orderId: 'recent' });
    writeFileSync(file, `${JSON.stringify(old)}\n${JSON.stringify(recent)}\n`);
    const counter = createChargeCounter({
      upstream: { host: '127.0.0.1', port: 1 },
      file,
      retentionMs: 24 * 3_600_000,
      now: () => Date.parse('2026-12-24T12:00:00.000Z'),
    });
    servers.push(counter.server);
    expect(counter.calls).toEqual([recent]);
    expect(loadCalls(file)).toEqual([recent]);
  });

  it('keeps at most maxCalls, the newest, in memory and in the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'akaso-charges-')), 'calls.jsonl');
    const at = (i: number) => `2026-12-24T11:00:0${i}.000Z`;
    const stored = [1, 2, 3, 4].map((i) => call({ at: at(i), orderId: `o${i}` }));
    writeFileSync(file, stored.map((c) => `${JSON.stringify(c)}\n`).join(''));
    const counter = createChargeCounter({
      upstream: { host: '127.0.0.1', port: 1 },
      file,
      maxCalls: 3,
      now: () => Date.parse('2026-12-24T12:00:00.000Z'),
    });
    servers.push(counter.server);
    expect(counter.calls.map((c) => c.orderId)).toEqual(['o2', 'o3', 'o4']);
    expect(loadCalls(file).map((c) => c.orderId)).toEqual(['o2', 'o3', 'o4']);
  });

  it('trims the oldest once new charges pass the cap by a tenth', async () => {
    const upstream = await provider(200);
    const counter = createChargeCounter({
      upstream: { host: '127.0.0.1', port: upstream.port },
      maxCalls: 10,
    });
    const port = await listen(counter.server);
    for (let i = 1; i <= 11; i++) await charge(port, `k${i}`, `o${i}`);
    expect(counter.calls).toHaveLength(11); // within the tenth of slack
    await charge(port, 'k12', 'o12');
    expect(counter.calls.map((c) => c.orderId)).toEqual(Array.from({ length: 10 }, (_, i) => `o${i + 3}`));
  });

  it('records a decline as a decline, not a charge', async () => {
    const upstream = await provider(402);
    const counter = createChargeCounter({ upstream: { host: '127.0.0.1', port: upstream.port } });
    const port = await listen(counter.server);
    expect((await charge(port, 'k', 'o2')).status).toBe(402);
    expect(counter.calls.map((c) => c.outcome)).toEqual(['declined']);
  });

  it('records a charge whose answer was lost on a kept-alive connection as lost (it may have charged)', async () => {
    const upstream = await provider(200, { hangUpOn: 2 });
    const counter = createChargeCounter({ upstream: { host: '127.0.0.1', port: upstream.port } });
    const port = await listen(counter.server);
    expect((await charge(port, 'k1', 'o4')).status).toBe(200);
    await expect(charge(port, 'k2', 'o5')).rejects.toThrow(/fetch failed/);
    expect(upstream.stats.connections).toBe(1);
    expect(counter.calls.map((c) => [c.orderId, c.outcome])).toEqual([
      ['o4', 'succeeded'],
      ['o5', 'lost'],
    ]);
  });

  it('drops the connection when the provider is down, as a refused connection would look', async () => {
    const upstream = await provider(200);
    const dead = upstream.port;
    const s = servers.pop();
    await new Promise((r) => s?.close(r));
    const counter = createChargeCounter({ upstream: { host: '127.0.0.1', port: dead } });
    const port = await listen(counter.server);
    await expect(charge(port, 'k', 'o3')).rejects.toThrow(/fetch failed/);
    expect(counter.calls.map((c) => [c.orderId, c.outcome])).toEqual([['o3', 'unreachable']]);
  });
});
