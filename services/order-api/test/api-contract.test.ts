import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import Schema from 'typebox/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeApp } from './fake-app.ts';

/**
 * The API's contract, fuzzed from the OpenAPI document it serves (issue 13): requests are derived
 * from each operation's documented parameters and body (valid ones, near misses and garbage),
 * and every answer must be documented for its operation, match the documented body for its
 * status, never be an undocumented 5xx, and never accept what the document forbids (nor refuse
 * with 400 what it allows). The HTTP layer is the real one; the order service is in memory.
 */

type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: JsonSchema }>; headers?: Record<string, unknown> }
  >;
}
interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: { raw: string; value: unknown; contentType: string };
}

let app: FastifyInstance;
let doc: { paths: Record<string, Record<string, Operation>> };
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

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );

// ---- values from a schema: valid ones, and near misses ---------------------------------------
const word = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 12,
});
const email = fc.tuple(word, word).map(([a, b]) => `${a}@${b}.example`);
const uuid = fc.uuid({ version: 4 });

function valid(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as JsonSchema[]).map(valid));
  switch (schema.type) {
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = valid(v);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in props) });
    }
    case 'array':
      return fc.array(valid(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'integer': {
      // Mostly small (an order within the quota), sometimes anywhere in the range.
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1000;
      return fc.oneof(fc.integer({ min, max: Math.min(min + 1, max) }), fc.integer({ min, max }));
    }
    case 'string': {
      if (schema.format === 'uuid') return uuid;
      if (schema.format === 'email') return email;
      const max = schema.maxLength ?? 40;
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= max);
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: max });
    }
    default:
      return fc.jsonValue();
  }
}

/** A string parameter: valid, at and past its length limits, odd characters, far too long. */
function stringParam(schema: JsonSchema): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 64;
  // '', '.' and '..' are left out: in a path they address another resource (`/users/../quota` is
  // `/quota`), so they are not requests to this operation.
  return fc.oneof(
    valid(schema).map(String),
    fc.string({ maxLength: 20 }).filter((v) => !['', '.', '..'].includes(v)),
    fc.constantFrom(' ', 'a..', 'a/b', '%', 'ü', '<script>', 'null', '0', '_x', '@'),
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => 'u'.repeat(Math.max(n, 1))),
    fc.integer({ min: 180, max: 260 }).map((n) => 'x'.repeat(n)),
  );
}

/** A body: valid, valid with one field broken, or anything at all. */
function body(schema: JsonSchema): fc.Arbitrary<{ raw: string; value: unknown; contentType: string }> {
  const json = (value: unknown) => ({
    raw: JSON.stringify(value) ?? 'null',
    value,
    contentType: 'application/json',
  });
  const broken = fc
    .tuple(valid(schema), fc.constantFrom(...Object.keys(schema.properties ?? { x: 0 })), fc.jsonValue())
    .map(([v, key, junk]) => json({ ...(v as object), [key]: junk }));
  const extra = valid(schema).map((v) => json({ ...(v as object), admin: true }));
  const badItem = valid(schema).map((v) => {
    const b = v as { items?: { burgerId: string; quantity: number }[] };
    return json({ ...b, items: [{ burgerId: 'unicorn', quantity: 1 }, ...(b.items ?? [])] });
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid(schema).map(json) },
    { weight: 3, arbitrary: broken },
    { weight: 1, arbitrary: extra },
    { weight: 1, arbitrary: badItem },
    { weight: 1, arbitrary: fc.jsonValue().map(json) },
    {
      weight: 1,
      arbitrary: fc.string().map((raw) => ({ raw, value: raw, contentType: 'application/json' })),
    },
    { weight: 1, arbitrary: valid(schema).map((v) => ({ ...json(v), contentType: 'application/xml' })) },
    {
      weight: 1,
      arbitrary: valid(schema).map((v) => json({ ...(v as object), padding: 'x'.repeat(20_000) })),
    },
  );
}

function requestFor(path: string, method: string, op: Operation): fc.Arbitrary<Request> {
  const params = op.parameters ?? [];
  const arbs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of params) {
    const value =
      p.in === 'path' && p.schema.format === 'uuid'
        ? fc.oneof(uuid, fc.constant(existingOrder), stringParam(p.schema))
        : p.schema.type === 'string' && !p.schema.enum
          ? stringParam(p.schema)
          : fc.oneof(valid(p.schema).map(String), fc.string({ maxLength: 10 }));
    arbs[`${p.in}:${p.name}`] = p.in === 'path' ? value : fc.option(value, { nil: undefined });
  }
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  return fc
    .record({ values: fc.record(arbs), body: bodySchema ? body(bodySchema) : fc.constant(undefined) })
    .map(({ values, body }) => {
      const pick = (where: Parameter['in']) =>
        Object.fromEntries(
          params
            .filter((p) => p.in === where && values[`${where}:${p.name}`] !== undefined)
            .map((p) => [p.name, String(values[`${where}:${p.name}`])]),
        );
      return {
        method,
        path,
        params: pick('path'),
        query: pick('query'),
        headers: pick('header'),
        ...(body ? { body } : {}),
      };
    });
}

// ---- what the document says about a request and an answer ------------------------------------
/** OpenAPI 3.0 writes `nullable: true` where JSON Schema says "or null". */
function jsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

const checkers = new Map<JsonSchema, ReturnType<typeof Schema.Compile>>();
const conforms = (schema: JsonSchema, value: unknown) => {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = Schema.Compile(jsonSchema(schema) as never);
    checkers.set(schema, checker);
  }
  return checker.Check(value);
};

/** Does the request satisfy every documented constraint? */
function allowed(op: Operation, req: Request): boolean {
  for (const p of op.parameters ?? []) {
    const source = p.in === 'path' ? req.params : p.in === 'query' ? req.query : req.headers;
    const value = source[p.name];
    if (value === undefined) {
      if (p.required) return false;
      continue;
    }
    if (!conforms(p.schema, value)) return false;
  }
  if (op.requestBody) {
    if (req.body?.contentType !== 'application/json') return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.raw);
    } catch {
      return false;
    }
    const schema = op.requestBody.content['application/json']?.schema ?? {};
    if (!conforms(schema, parsed)) return false;
  }
  return true;
}

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
        fc.asyncProperty(requestFor(path, method, op), async (req) => {
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
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !has.includes(m))) {
        const res = await app.inject({ method: method as 'GET', url });
        expect(res.statusCode, `${method} ${url}`).toBe(405);
        expect(res.json().code).toBe('METHOD_NOT_ALLOWED');
        const allow = String(res.headers.allow).split(', ');
        for (const m of has) expect(allow).toContain(m);
      }
    }
    expect((await app.inject({ method: 'DELETE', url: '/no-such-path' })).statusCode).toBe(404);
  });
});
