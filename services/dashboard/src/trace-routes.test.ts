import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { createHttpApp } from '@akaso/service';
import { describe, expect, it } from 'vitest';
import { traceRoutes } from './trace-routes.ts';

const recorded = readFileSync(
  join(import.meta.dirname, '..', 'test', 'fixtures', 'jaeger-order-trace.json'),
  'utf8',
);
const traceId = (JSON.parse(recorded) as { data: { traceID: string }[] }).data[0]?.traceID ?? '';

/** The plugin in the shared HTTP base (error contract), Jaeger replaced by `jaeger`. */
async function appWith(
  jaeger: (url: string, init?: RequestInit) => Promise<Response>,
  timeoutMs = 200,
  orderApiUrl: string | null = 'http://orders.test:3000',
) {
  const app = await createHttpApp({ logger: createLogger('dashboard', 'silent'), readiness: [] });
  const asked: string[] = [];
  await app.register(traceRoutes, {
    jaegerQueryUrl: 'http://jaeger.test:16686/',
    ...(orderApiUrl ? { orderApiUrl } : {}),
    timeoutMs,
    fetch: async (input, init) => {
      asked.push(String(input));
      return jaeger(String(input), init);
    },
  });
  return { app, asked };
}

describe('GET /api/traces/:traceId', () => {
  it("answers the recorded trace's waterfall, asking Jaeger's query API for that id", async () => {
    const { app, asked } = await appWith(async () => new Response(recorded, { status: 200 }));
    const res = await app.inject(`/api/traces/${traceId.toUpperCase()}`);
    expect(res.statusCode).toBe(200);
    expect(asked).toEqual([`http://jaeger.test:16686/api/traces/${traceId}`]);
    const body = res.json();
    expect(body.traceId).toBe(traceId);
    expect(body.services.map((s: { name: string }) => s.name)).toContain('email');
  });

  it('refuses an id that is not 32 hex digits, without asking Jaeger', async () => {
    const { app, asked } = await appWith(async () => new Response(recorded));
    for (const bad of ['abc', `${traceId}0`, 'z'.repeat(32)]) {
      const res = await app.inject(`/api/traces/${bad}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    expect(asked).toEqual([]);
  });

  it('404 { code, message } while Jaeger has not got the trace (its 404, or an empty answer)', async () => {
    const notFound = JSON.stringify({ data: null, errors: [{ code: 404, msg: 'trace not found' }] });
    for (const answer of [new Response(notFound, { status: 404 }), new Response('{"data":[]}')]) {
      const { app } = await appWith(async () => answer);
      const res = await app.inject(`/api/traces/${traceId}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(traceId) });
    }
  });

  it('503 { code, message } when Jaeger is unreachable, silent past the timeout, or not Jaeger', async () => {
    const refused = async () => {
      throw new TypeError('fetch failed');
    };
    // Answers only when aborted: the route's own timeout has to end the wait.
    const silent = (_url: string, init?: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const html = async () => new Response('<html>Jaeger UI</html>', { status: 200 });
    const broken = async () => new Response('{"data":null}', { status: 500 });
    for (const [jaeger, says] of [
      [refused, 'unreachable'],
      [silent, 'did not answer within 50 ms'],
      [html, 'answered 200'],
      [broken, 'answered 500'],
    ] as const) {
      const { app } = await appWith(jaeger, 50);
      const res = await app.inject(`/api/traces/${traceId}`);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringContaining(says),
      });
    }
  });
});

describe('GET /api/orders/:orderId/trace-id (trace.html?order=<orderId>)', () => {
  const orderId = '01a24b97-5c43-726d-9132-87f18ae751e3';
  const orderApi = (status: number, body: unknown) => async () =>
    new Response(JSON.stringify(body), { status });

  it("answers the order's traceId, read from the order API's GET /orders/:id", async () => {
    const { app, asked } = await appWith(orderApi(200, { orderId, status: 'confirmed', traceId }));
    const res = await app.inject(`/api/orders/${orderId}/trace-id`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ orderId, traceId });
    expect(asked).toEqual([`http://orders.test:3000/orders/${orderId}`]);
  });

  it('404 for an unknown order or one that was not traced; 400 for a malformed id; 503 when the API is down', async () => {
    const unknown = await (
      await appWith(orderApi(404, { code: 'NOT_FOUND', message: 'no order' }))
    ).app.inject(`/api/orders/${orderId}/trace-id`);
    expect(unknown.statusCode).toBe(404);
    const untraced = await (await appWith(orderApi(200, { orderId, traceId: null }))).app.inject(
      `/api/orders/${orderId}/trace-id`,
    );
    expect(untraced.statusCode).toBe(404);
    expect(untraced.json().message).toContain('not traced');
    const { app, asked } = await appWith(orderApi(200, {}));
    expect((await app.inject('/api/orders/nope/trace-id')).statusCode).toBe(400);
    expect(asked).toEqual([]);
    const down = await (
      await appWith(async () => {
        throw new TypeError('fetch failed');
      })
    ).app.inject(`/api/orders/${orderId}/trace-id`);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: expect.stringContaining('order API'),
    });
  });

  it('is absent without an order API', async () => {
    const { app } = await appWith(orderApi(200, { traceId }), 200, null);
    expect((await app.inject(`/api/orders/${orderId}/trace-id`)).statusCode).toBe(404);
  });
});
