import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/**
 * Strict validation of rendered manifests without a cluster. Core kinds against the Kubernetes
 * JSON schemas in their strict form (every object closed: an unknown or misspelt key fails), as
 * the PyPI package kubernetes-validate ships them; the operators' resources against the
 * openAPIV3Schema of the CRD each operator release installs, closed here the same way, since a
 * CRD schema leaves objects open and the API server would silently prune a misspelt key.
 * Where both come from: deploy/kubernetes/README.md.
 */
const schemaDir = join(import.meta.dirname, 'schemas');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are walked structurally by the checks
  spec?: any;
  [key: string]: unknown;
}

type Schema = Record<string, unknown>;

/** Closes every object schema that lists its properties and does not ask to keep unknown fields. */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'enum' || key === 'required' ? value : closeObjects(value);
  }
  if (
    out.type === 'object' &&
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** A custom resource's metadata: what these manifests may set (the CRD schema says only "object"). */
const crMetadata = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    namespace: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['name'],
  additionalProperties: false,
};

/** The schema file for an apiVersion and kind, or undefined if none is kept for it. */
export function schemaFile(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const [g, v] = slash === -1 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  const crd = join(schemaDir, 'crds', `${g}_${v}_${kind.toLowerCase()}.yaml`);
  if (g && existsSync(crd)) return crd;
  // kubernetes-json-schema's names: deployment-apps-v1, service-v1, networkpolicy-networking-v1.
  const core = join(
    schemaDir,
    'kubernetes',
    `${[kind.toLowerCase(), g.split('.')[0], v].filter(Boolean).join('-')}.yaml`,
  );
  return existsSync(core) ? core : undefined;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  const key = `${apiVersion}/${kind}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const file = schemaFile(apiVersion, kind);
  if (!file) throw new Error(`no schema kept for ${key}: add it under deploy/kubernetes/schemas`);
  const raw = parse(readFileSync(file, 'utf8')) as Schema;
  delete raw.$schema;
  const isCrd = file.includes(join('schemas', 'crds'));
  const schema = isCrd
    ? {
        ...(closeObjects(raw) as Schema),
        properties: { ...(closeObjects(raw.properties) as Schema), metadata: crMetadata },
      }
    : raw;
  const validate = ajv.compile(schema);
  compiled.set(key, validate);
  return validate;
}

/** The schema violations of one manifest, as "path: message" lines (empty when it is valid). */
export function violations(manifest: Manifest): string[] {
  const validate = validatorFor(manifest.apiVersion, manifest.kind);
  // Named first: the validator's type guard narrows the manifest to never when it fails.
  const label = `${manifest.kind}/${manifest.metadata.name}`;
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return `${label}${e.instancePath}: ${e.message}${extra}`;
  });
}
