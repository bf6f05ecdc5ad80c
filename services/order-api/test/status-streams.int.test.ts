import http from 'node:http';
import { api, order, stack, uniqueUser } from '@akaso/testkit';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11 item 7 against the real order-api and its database: a few hundred watchers of one
 * order while it goes through the pipeline. Every answer is a stream or a documented 503 with
 * Retry-After (the per-order cap is 200), every stream ends at the terminal state, and the API
 * serves on afterwards (it used to be able to die of an unhandled rejection from the pump).
 */
interface Answer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

function watch(orderId: string, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = localAddress ? { localAddress } : {};
    const req = http.get(`${stack.api}/orders/${orderId}/events`, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string, text }),
      );
    });
    req.setTimeout(45_000, () => req.destroy(new Error('stream did not end in 45 s')));
    req.on('error', reject);
  });
}

describe('SSE status streams under many watchers', () => {
  it('serves 300 watchers of one order within the caps, and all streams end at the terminal state', async () => {
    const placed = await api<{ orderId: string }>('/orders', {
      method: 'POST',
      body: order(uniqueUser('sse')),
    });
    expect(placed.status).toBe(202);
    // From 30 loopback addresses, 10 each: within the per-client cap, so the per-order cap decides.
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => watch(placed.body.orderId, `127.0.0.${2 + (i % 30)}`)),
    );

    const streamed = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(streamed.length + refused.length).toBe(300);
    // More than the cap of 200 may stream in all: streams that ended at "confirmed" free their
    // slots for watchers that arrive later. The cap itself is held by status-streams.test.ts.
    expect(streamed.length).toBeGreaterThanOrEqual(100);
    for (const a of refused) {
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(['TOO_MANY_STREAMS', 'OVERLOADED']).toContain(JSON.parse(a.text).code);
    }
    for (const a of streamed) expect(a.text).toMatch(/"status":"(confirmed|rejected)"/);

    // Still serving, and the slots are free again.
    expect((await api('/healthz')).status).toBe(200);
    const late = await watch(placed.body.orderId);
    expect(late.status).toBe(200);
  }, 60_000);
});
