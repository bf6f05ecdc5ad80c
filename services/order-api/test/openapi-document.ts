import Schema from 'typebox/schema';

/**
 * What the fuzzed contract test reads in the OpenAPI document the API serves, and whether a
 * request or an answer satisfies it (the document is the judge, not the routes' own schemas).
 */
export type JsonSchema = Record<string, unknown> & {
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
export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: JsonSchema }>; headers?: Record<string, unknown> }
  >;
}
export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: { raw: string; value: unknown; contentType: string };
}

export type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

export const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );

/** OpenAPI 3.0 writes `nullable: true` where JSON Schema says "or null". */
function jsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

const checkers = new Map<JsonSchema, ReturnType<typeof Schema.Compile>>();
export const conforms = (schema: JsonSchema, value: unknown) => {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = Schema.Compile(jsonSchema(schema) as never);
    checkers.set(schema, checker);
  }
  return checker.Check(value);
};

/** Does the request satisfy every documented constraint? */
export function allowed(op: Operation, req: Request): boolean {
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
