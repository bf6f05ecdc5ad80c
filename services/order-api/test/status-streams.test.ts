import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@akaso/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamLimits } from '../src/routes/status-streams.ts';
import { buildFakeApp } from './fake-app.ts';

/**
 * GET /orders/:id/events under many watchers (issue 11 item 7): a few hundred streams on one order
 * share one history read per change, the caps answer 503 TOO_MANY_STREAMS with Retry-After, and
 * a failing read is retried instead of becoming an unhandled rejection. Real sockets (the stream
 * is a hijacked response), in-memory order service.
 */

interface Watcher {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: () => string;
  ended: Promise<void>;
  close: () => void;
}

function watch(
  base: string,
  orderId: string,
  opts: { lastEventId?: string; localAddress?: string } = {},
): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const options = {
      headers: opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {},
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    };
    const req = http.get(`${base}/orders/${orderId}/events`, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      const ended = new Promise<void>((done) => res.on('close', done));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => text,
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const until = async (what: string, ok: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A clock the test moves by hand: the hub's retry and lifetime timers fire only in advance(). */
function manualClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      nextId += 1;
      timers.set(nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimeout(handle: unknown) {
      timers.delete(handle as number);
    },
    /** How long until each pending timer fires. */
    dueIn: () => [...timers.values()].map((t) => t.at - now),
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const [next] = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort(([, a], [, b]) => a.at - b.at);
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = until;
    },
  } satisfies Clock & Record<string, unknown>;
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function started(streamLimits: Partial<StreamLimits> = {}, streamClock?: Clock) {
  const fake = await buildFakeApp({
    streamLimits: { retryMs: 50, ...streamLimits },
    ...(streamClock ? { streamClock } : {}),
  });
  await fake.app.listen({ host: '127.0.0.1', port: 0 });
  close = () => fake.app.close();
  const base = `http://127.0.0.1:${(fake.app.server.address() as AddressInfo).port}`;
  const place = async () =>
    (
      await fake.app.inject({
        method: 'POST',
        url: '/orders',
        payload: {
          userId: 'watcher',
          email: 'w@example.com',
          items: [{ burgerId: 'classic', quantity: 1 }],
          paymentMethod: 'pm_card_visa',
        },
      })
    ).json().orderId as string;
  return { ...fake, base, place };
}

describe('status streams', () => {
  it('serves 300 watchers of one order up to the cap, with one history read per change', async () => {
    const { base, place, change, calls, listeners } = await started({ maxStreamsPerOrder: 250 });
    const orderId = await place();
    // From 30 loopback addresses: 10 each, within the per-client cap.
    const watchers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        watch(base, orderId, { localAddress: `127.0.0.${2 + (i % 30)}` }),
      ),
    );
    const open = watchers.filter((w) => w.status === 200);
    const refused = watchers.filter((w) => w.status === 503);
    expect(open).toHaveLength(250);
    expect(refused).toHaveLength(50);
    for (const w of refused) expect(w.headers['retry-after']).toMatch(/^\d+$/);
    await until('every refusal body', () => refused.every((w) => w.text().includes('TOO_MANY_STREAMS')));
    await until('the received event on every stream', () => open.every((w) => w.text().includes('received')));
    expect(listeners.get(orderId)?.size).toBe(1); // one feed subscription for all 250

    // Each stream's start asks for a catch-up read; they are over when none is in flight.
    await until('the start-up reads to end', () => calls.historySinceInFlight === 0);
    const before = calls.historySince;
    change(orderId, 'reserved');
    await until('reserved on every stream', () => open.every((w) => w.text().includes('"reserved"')));
    expect(calls.historySince - before).toBe(1);

    change(orderId, 'confirmed');
    await Promise.all(open.map((w) => w.ended));
    for (const w of open) expect(w.text().match(/event: status/g)).toHaveLength(3);
    expect(listeners.has(orderId)).toBe(false);
    // The slots are free again: a new watcher of a finished order gets its history and the end.
    const late = await watch(base, orderId);
    expect(late.status).toBe(200);
    await late.ended;
  });

  it('caps the streams of the whole instance', async () => {
    const { base, place, listeners } = await started({ maxStreams: 3 });
    const orders = await Promise.all([place(), place(), place(), place()]);
    const first = await Promise.all(orders.slice(0, 3).map((id) => watch(base, id)));
    expect(first.map((w) => w.status)).toEqual([200, 200, 200]);
    const fourth = await watch(base, orders[3] ?? '');
    expect(fourth.status).toBe(503);
    first[0]?.close();
    await first[0]?.ended;
    // The server sees the close a moment later: the stream's feed subscription goes with its slot.
    await until('the server to drop the closed stream', () => !listeners.has(orders[0] ?? ''));
    expect((await watch(base, orders[3] ?? '')).status).toBe(200);
  });

  it('caps the streams of one client address', async () => {
    const { base, place } = await started({ maxStreamsPerClient: 2 });
    const orders = await Promise.all([place(), place(), place()]);
    const mine = await Promise.all(orders.map((id) => watch(base, id, { localAddress: '127.0.0.2' })));
    expect(mine.map((w) => w.status)).toEqual([200, 200, 503]);
    await until('the refusal body', () => (mine[2]?.text() ?? '').includes('TOO_MANY_STREAMS'));
    expect(mine[2]?.headers['retry-after']).toMatch(/^\d+$/);
    // Another client is not affected.
    expect((await watch(base, orders[2] ?? '', { localAddress: '127.0.0.3' })).status).toBe(200);
    for (const w of mine) w.close();
  });

  it('resumes after Last-Event-ID: a reconnecting client gets only the changes it has not seen', async () => {
    const { base, place, change } = await started();
    const orderId = await place();
    change(orderId, 'reserved');
    const first = await watch(base, orderId);
    await until('both changes', () => first.text().includes('"reserved"'));
    const ids = [...first.text().matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    first.close();
    const again = await watch(base, orderId, { lastEventId: ids[0] });
    await until('the reserved change', () => again.text().includes('"reserved"'));
    expect(again.text()).not.toContain('"received"');
    change(orderId, 'confirmed');
    await again.ended;
    expect(again.text().match(/event: status/g)).toHaveLength(2);
  });

  it('retries a failed history read instead of leaving an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const clock = manualClock();
      const { base, place, change, failHistory, calls } = await started({ retryMs: 1_000 }, clock);
      const orderId = await place();
      const watcher = await watch(base, orderId);
      await until('the received event', () => watcher.text().includes('received'));
      await until('the start-up reads to end', () => calls.historySinceInFlight === 0);
      failHistory(true); // e.g. the pool exhausted
      const before = calls.historySince;
      change(orderId, 'reserved');
      await until(
        'the read to fail',
        () => calls.historySince === before + 1 && calls.historySinceInFlight === 0,
      );
      expect(clock.dueIn()).toContain(1_000); // the retry, set when the read failed
      expect(watcher.text()).not.toContain('"reserved"');
      failHistory(false);
      clock.advance(999);
      expect(calls.historySince).toBe(before + 1); // not retried before retryMs
      clock.advance(1);
      expect(calls.historySince).toBe(before + 2);
      await until('reserved after the retry', () => watcher.text().includes('"reserved"'));
      expect(unhandled).toEqual([]);
      watcher.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
