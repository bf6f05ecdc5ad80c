import type Type from 'typebox';
import { Compile } from 'typebox/compile';
import { type EventOf, topicEvents } from './events.ts';
import type { TopicName } from './topics.ts';

/** Why a message cannot be decoded; never retriable: the bytes will not change on redelivery. */
export class ContractError extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  readonly retriable = false;
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(details.length > 0 ? `${message}: ${details.join('; ')}` : message);
    this.name = 'ContractError';
    this.details = details;
  }
}

type Validator = ReturnType<typeof Compile<Type.TSchema>>;
interface EventSchemaShape {
  properties: { type: { const: string }; version: { const: number } };
}
const typeOf = (schema: unknown) => (schema as EventSchemaShape).properties.type.const;
const versionOf = (schema: unknown) => (schema as EventSchemaShape).properties.version.const;

const validators = new Map<string, Validator>();
const allowedTypes = new Map<string, string[]>();
for (const [topic, schemas] of Object.entries(topicEvents)) {
  allowedTypes.set(
    topic,
    schemas.map((s) => typeOf(s)),
  );
  for (const schema of schemas) {
    validators.set(`${typeOf(schema)}.v${versionOf(schema)}`, Compile(schema as Type.TSchema));
  }
}

/** Validates an already-parsed value (e.g. an internal HTTP body) against the topic's events. */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): EventOf<T> {
  if (typeof value !== 'object' || value === null) throw new ContractError(`not an event object on ${topic}`);
  const { type, version } = value as { type?: unknown; version?: unknown };
  const allowed = allowedTypes.get(topic) ?? [];
  if (typeof type !== 'string' || !allowed.includes(type)) {
    throw new ContractError(
      `event type ${String(type)} does not belong on topic ${topic} (allowed: ${allowed.join(', ')})`,
    );
  }
  const validator = validators.get(`${type}.v${String(version)}`);
  if (!validator) throw new ContractError(`unknown version ${String(version)} of ${type}`);
  if (!validator.Check(value)) {
    const details = [...validator.Errors(value)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ContractError(`invalid ${type} v${String(version)}`, details);
  }
  return value as EventOf<T>;
}

/** Produce side: refuses to serialize an event its own schema rejects. */
export function encodeEvent<T extends TopicName>(topic: T, event: EventOf<T>): Buffer {
  return Buffer.from(JSON.stringify(validateEvent(topic, event)));
}

/** Consume side: bytes → a validated event, or a ContractError (poison → dead-letter topic). */
export function decodeEvent<T extends TopicName>(topic: T, value: Buffer | null): EventOf<T> {
  if (value === null) throw new ContractError(`empty message on ${topic}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new ContractError(`message on ${topic} is not JSON (${(err as Error).message})`);
  }
  return validateEvent(topic, parsed);
}
