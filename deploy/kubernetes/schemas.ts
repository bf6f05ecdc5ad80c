import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { isOperatorKind, operatorViolations } from './operator-models.ts';

/**
 * Strict validation of rendered manifests without a cluster. Core kinds against the Kubernetes
 * JSON schemas in their strict form (every object closed: an unknown or misspelt key fails), as
 * the PyPI package kubernetes-validate ships them; the operators' kinds by the @kubernetes-models
 * npm packages' validators with an unknown-key check (operator-models.ts).
 * Where both come from, and what the gap is: deploy/kubernetes/README.md.
 */
const schemaDir = join(import.meta.dirname, 'schemas', 'kubernetes');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are walked structurally by the checks
  spec?: any;
  [key: string]: unknown;
}

/** The schema file for a core apiVersion and kind, or undefined if none is kept for it. */
export function schemaFile(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const [g, v] = slash === -1 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  // kubernetes-json-schema's names: deployment-apps-v1, service-v1, networkpolicy-networking-v1.
  const file = join(schemaDir, `${[kind.toLowerCase(), g.split('.')[0], v].filter(Boolean).join('-')}.yaml`);
  return existsSync(file) ? file : undefined;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  const key = `${apiVersion}/${kind}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const file = schemaFile(apiVersion, kind);
  if (!file) throw new Error(`no schema kept for ${key}: add it under deploy/kubernetes/schemas/kubernetes`);
  const schema = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  const validate = ajv.compile(schema);
  compiled.set(key, validate);
  return validate;
}

/** The schema violations of one manifest, as "path: message" lines (empty when it is valid). */
export function violations(manifest: Manifest): string[] {
  if (isOperatorKind(manifest.apiVersion, manifest.kind)) return operatorViolations(manifest);
  const validate = validatorFor(manifest.apiVersion, manifest.kind);
  // Named first: the validator's type guard narrows the manifest to never when it fails.
  const label = `${manifest.kind}/${manifest.metadata.name}`;
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return `${label}${e.instancePath}: ${e.message}${extra}`;
  });
}
