import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Database } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Database';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Kafka } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka';
import { KafkaNodePool } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool';
import { KafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic';
import { KafkaUser } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaUser';

/**
 * The operators' kinds, validated by the models of the @kubernetes-models npm packages (their
 * compiled ajv validators, generated from each operator's API), plus an unknown-key check: those
 * validators leave objects open, and the API server would silently prune a misspelt key.
 *
 * The unknown-key check is coarse on purpose: it reads, from the same packages' compiled validator
 * source (the kind's `_schemas/*.js` and every schema it imports), the set of property names the
 * validator knows anywhere, and refuses a key of the manifest, at any depth, that is in none of
 * them. A key valid elsewhere in the kind but misplaced passes; a misspelt one does not. Keys under
 * a property the validator treats as a free-form map (labels, Kafka's config, a trigger's metadata)
 * are values, not field names, and are not checked.
 */

// biome-ignore lint/suspicious/noExplicitAny: the models take any object and validate it
type ModelClass = new (data: any) => { validate(): void };
interface OperatorKind {
  model: ModelClass;
  /** The package under node_modules/@kubernetes-models and the compiled schema of the kind. */
  pkg: string;
  schema: string;
}

const operatorKinds: Record<string, OperatorKind> = {
  'kafka.strimzi.io/v1/Kafka': {
    model: Kafka,
    pkg: 'strimzi-kafka-operator',
    schema: 'KafkaStrimziIoV1Kafka',
  },
  'kafka.strimzi.io/v1/KafkaNodePool': {
    model: KafkaNodePool,
    pkg: 'strimzi-kafka-operator',
    schema: 'KafkaStrimziIoV1KafkaNodePool',
  },
  'kafka.strimzi.io/v1/KafkaTopic': {
    model: KafkaTopic,
    pkg: 'strimzi-kafka-operator',
    schema: 'KafkaStrimziIoV1KafkaTopic',
  },
  'kafka.strimzi.io/v1/KafkaUser': {
    model: KafkaUser,
    pkg: 'strimzi-kafka-operator',
    schema: 'KafkaStrimziIoV1KafkaUser',
  },
  'postgresql.cnpg.io/v1/Cluster': {
    model: Cluster,
    pkg: 'cloudnative-pg',
    schema: 'ComGithubCloudnativePgCloudnativePgApiV1Cluster',
  },
  'postgresql.cnpg.io/v1/Database': {
    model: Database,
    pkg: 'cloudnative-pg',
    schema: 'ComGithubCloudnativePgCloudnativePgApiV1Database',
  },
  'keda.sh/v1alpha1/ScaledObject': {
    model: ScaledObject,
    pkg: 'keda',
    schema: 'ComGithubKedacoreKedaV2ApisKedaV1alpha1ScaledObject',
  },
  'keda.sh/v1alpha1/TriggerAuthentication': {
    model: TriggerAuthentication,
    pkg: 'keda',
    schema: 'ComGithubKedacoreKedaV2ApisKedaV1alpha1TriggerAuthentication',
  },
};

export const isOperatorKind = (apiVersion: string, kind: string): boolean =>
  `${apiVersion}/${kind}` in operatorKinds;

/** A package's folder as Node resolves it from `from` (a folder): the nearest node_modules holding it. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (pnpm install)`);
  }
}

/** What the property names a compiled validator knows are, and which of them hold free-form maps. */
export interface KnownKeys {
  names: Set<string>;
  freeForm: Set<string>;
}

const unescapePointer = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Reads a compiled validator and the schemas it imports. ajv's standalone code validates each
 * property in a function of its own, called as `validateN(data.name, {…, parentDataProperty:
 * "name"})`; a map's values in a `for (let key in data)` loop; an open object (the CRD's
 * x-kubernetes-preserve-unknown-fields) by a type check that reads no property.
 */
export function knownKeysOf(entry: string): KnownKeys {
  const names = new Set<string>();
  const freeForm = new Set<string>();
  const seen = new Set<string>();
  // From the file's real place: pnpm links a package's dependencies beside it, not at the root.
  const pending = [realpathSync(entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/import\{[^}]*\}from"([^"]+)"/g)) {
      const s = spec as string;
      if (s.startsWith('./')) pending.push(join(dirname(file), s.endsWith('.js') ? s : `${s}.js`));
      else if (s.includes('/_schemas/')) {
        const at = s.indexOf('/_schemas/');
        pending.push(`${join(packageDir(s.slice(0, at), dirname(file)), s.slice(at + 1))}.js`);
      }
    }
    // Each `function validateN(...)` up to the next one: the node it validates.
    const bodies = new Map<string, string>();
    const starts = [...source.matchAll(/function (validate\d+)\(/g)];
    for (const [i, m] of starts.entries()) {
      bodies.set(m[1] as string, source.slice(m.index, starts[i + 1]?.index ?? source.length));
    }
    const isFreeForm = (fn: string) => {
      const body = bodies.get(fn);
      if (body === undefined) return false; // imported: a named schema, not a map
      if (/for\((?:let|const) key\d+ in data\)/.test(body)) return true;
      return body.includes('"object"') && !body.includes('parentDataProperty:"');
    };
    for (const [, fn, prop] of source.matchAll(
      /(validate\d+)\(data(?:\.[\w$]+|\["[^"]*"\]),\{instancePath:instancePath\+"[^"]*",parentData:data,parentDataProperty:"([^"]+)"/g,
    )) {
      names.add(prop as string);
      if (isFreeForm(fn as string)) freeForm.add(prop as string);
    }
    // Properties checked inline, and required ones.
    for (const [, path] of source.matchAll(/instancePath\+"\/([^"]+)"/g)) {
      for (const segment of (path as string).split('/')) names.add(unescapePointer(segment));
    }
    for (const [, prop] of source.matchAll(/missingProperty:"([^"]+)"/g)) names.add(prop as string);
  }
  return { names, freeForm };
}

const known = new Map<string, KnownKeys>();
function knownKeysFor(key: string): KnownKeys {
  const cached = known.get(key);
  if (cached) return cached;
  const kind = operatorKinds[key] as OperatorKind;
  const dir = packageDir(`@kubernetes-models/${kind.pkg}`, import.meta.dirname);
  const keys = knownKeysOf(join(dir, '_schemas', `${kind.schema}.js`));
  known.set(key, keys);
  return keys;
}

/**
 * The keys of a value, at any depth, that are in no property name the validator knows. The free-form
 * names are by name alone (KEDA's trigger `metadata` is a map), so the resource's own top-level
 * keys, never a map, are walked into whatever their name.
 */
export function unknownKeys(value: unknown, keys: KnownKeys, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(v, keys, `${path}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (!keys.names.has(k)) return [`${path}/${k}`];
    return path !== '' && keys.freeForm.has(k) ? [] : unknownKeys(v, keys, `${path}/${k}`);
  });
}

/** The violations of an operator's resource, as "path: message" lines (empty when it is valid). */
export function operatorViolations(manifest: {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}) {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const kind = operatorKinds[key];
  if (!kind) throw new Error(`no @kubernetes-models validator kept for ${key}`);
  const label = `${manifest.kind}/${manifest.metadata.name}`;
  const out: string[] = [];
  try {
    new kind.model(manifest).validate();
  } catch (error) {
    out.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const path of unknownKeys(manifest, knownKeysFor(key))) out.push(`${label}${path}: unknown key`);
  return out;
}
