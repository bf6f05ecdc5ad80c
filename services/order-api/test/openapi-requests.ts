import fc from 'fast-check';
import type { JsonSchema, Operation, Parameter, Request } from './openapi-document.ts';

/**
 * Requests derived from an operation's documented parameters and body: valid ones, near misses
 * and garbage, so every documented answer (and every undocumented one) gets a chance to appear.
 */
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

/** `existingOrder`: an order id the app knows, so a path parameter sometimes names a real order. */
export function requestFor(
  path: string,
  method: string,
  op: Operation,
  existingOrder: string,
): fc.Arbitrary<Request> {
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
