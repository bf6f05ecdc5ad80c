import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeApp } from './fake-app.ts';
import {
  allowed,
  conforms,
  operations as documentedOperations,
  type OpenApiDocument,
  type Request,
} from './openapi-document.ts';
import { requestFor } from './openapi-requests.ts';

/**
 * The API's contract, fuzzed from the OpenAPI document it serves (issue 13): requests are derived
 * from each operation's documented parameters and body (valid ones, near misses and garbage),
 * and every answer must be documented for its operation, match the documented body for its
 * status, never be an undocumented 5xx, and never accept what the document forbids (nor refuse
 * with 400 what it allows). The HTTP layer is the real one; the order service is in memory.
 */

let app: FastifyInstance;
let doc: OpenApiDocument;
let existingOrder = '';
const runs = Number(process.env.AKASO_FUZZ_RUNS ?? 150);

beforeAll(async () => {
  const fake = await buildFakeApp();
  app = fake.app;
  await app.ready();
  doc = (await app.inject('/docs/json')).json();
  // An order in a terminal state: its event stream sends the history and ends, so inject returns.
  const placed = await app.inject({
    method: 'POST',
    url: '/orders',
    payload: {
      userId: 'fuzz',
      email: 'fuzz@example.com',
      items: [{ burgerId: 'classic', quantity: 1 }],
      paymentMethod: 'pm_card_visa',
    },
  });
  existingOrder = placed.json().orderId;
  fake.change(existingOrder, 'confirmed');
});
afterAll(() => app?.close());

const operations = () => documentedOperations(doc);

async function send(req: Request) {
  const url =
    req.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(req.params[name] ?? '')) +
    (Object.keys(req.query).length ? `?${new URLSearchParams(req.query)}` : '');
  return app.inject({
    method: req.method as 'GET',
    url,
    headers: { ...req.headers, ...(req.body ? { 'content-type': req.body.contentType } : {}) },
    ...(req.body ? { payload: req.body.raw } : {}),
  });
}

describe('the order API keeps the contract of its OpenAPI document', () => {
  it('documents the operations the API has', () => {
    const ops = operations().map((o) => `${o.method} ${o.path}`);
    expect(ops).toEqual(
      expect.arrayContaining([
        'POST /orders',
        'GET /orders/{id}',
        'GET /orders/{id}/events',
        'GET /menu',
        'GET /users/{userId}/quota',
      ]),
    );
  });

  it('documents every error status with its { code, message } body and 503 with Retry-After', () => {
    const post = doc.paths['/orders']?.post?.responses ?? {};
    expect(Object.keys(post)).toEqual(
      expect.arrayContaining(['202', '400', '413', '415', '422', '429', '503']),
    );
    expect(Object.keys(doc.paths['/orders/{id}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '404', '414']),
    );
    expect(post['503']?.headers).toHaveProperty('retry-after');
    const body = post['422']?.content?.['application/json']?.schema;
    expect(body?.required).toEqual(expect.arrayContaining(['code', 'message']));
    expect(body?.properties?.code?.enum).toEqual(['UNKNOWN_BURGER', 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('says what it enforces: burgerId is the menu, userId as long as the router takes', async () => {
    const item =
      doc.paths['/orders']?.post?.requestBody?.content['application/json']?.schema.properties?.items?.items;
    const menu = (await app.inject('/menu')).json() as { id: string }[];
    expect(item?.properties?.burgerId?.enum).toEqual(menu.map((b) => b.id));
    const userId = doc.paths['/users/{userId}/quota']?.get?.parameters?.find((p) => p.name === 'userId');
    const max = userId?.schema.maxLength ?? 0;
    const longest = `a${'@'.repeat(max - 1)}`; // percent-encoded: the longest path there is
    expect((await app.inject(`/users/${encodeURIComponent(longest)}/quota`)).statusCode).toBe(200);
    const tooLong = await app.inject(`/users/${'u'.repeat(max + 1)}/quota`);
    expect(tooLong.statusCode).toBe(400);
  });

  it('answers every fuzzed request as documented', async () => {
    const seen = new Set<string>();
    for (const { path, method, op } of operations()) {
      await fc.assert(
        fc.asyncProperty(requestFor(path, method, op, existingOrder), async (req) => {
          const res = await send(req);
          const status = String(res.statusCode);
          seen.add(status);
          const where = `${method} ${path} → ${status} ${res.body.slice(0, 200)}`;
          const documented = op.responses[status];
          expect(documented, `undocumented status: ${where}`).toBeDefined();
          expect(res.statusCode < 500 || ['502', '503'].includes(status), where).toBe(true);
          const schema = documented?.content?.['application/json']?.schema;
          if (schema) expect(conforms(schema, res.json()), `body off schema: ${where}`).toBe(true);
          if (res.statusCode === 503) expect(res.headers['retry-after'], where).toMatch(/^\d+$/);
          const ok = allowed(op, req);
          // Nothing the document forbids is accepted...
          if (!ok)
            expect(res.statusCode, `accepted a forbidden request: ${where}`).toBeGreaterThanOrEqual(400);
          // ...and nothing it allows is refused as malformed.
          if (ok)
            expect([400, 414, 415], `refused an allowed request: ${where}`).not.toContain(res.statusCode);
        }),
        { numRuns: runs },
      );
    }
    // The generators reach every kind of answer, so each assertion above was exercised.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['200', '202', '400', '404', '413', '414', '415', '422', '429']),
    );
  });

  it('answers a method a documented path does not have with 405 and Allow', async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      const url = path.replace(/\{\w+\}/g, existingOrder);
      const has = Object.keys(methods).map((m) => m.toUpperCase());
      const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'QUERY'].filter((m) => !has.includes(m));
      for (const method of others) {
        // Bodied methods without a Content-Type too: the method is wrong before the body is.
        const res = await app.inject({ method: method as 'GET', url, payload: 'x' });
        expect(res.statusCode, `${method} ${url}`).toBe(405);
        expect(res.json().code).toBe('METHOD_NOT_ALLOWED');
        const allow = String(res.headers.allow).split(', ');
        for (const m of has) expect(allow).toContain(m);
      }
    }
    expect((await app.inject({ method: 'DELETE', url: '/no-such-path' })).statusCode).toBe(404);
    const query = await app.inject({ method: 'QUERY' as 'GET', url: '/menu' });
    expect([query.statusCode, query.headers.allow, query.json().code]).toEqual([
      405,
      'GET, HEAD',
      'METHOD_NOT_ALLOWED',
    ]);
  });
});
