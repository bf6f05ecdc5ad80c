import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The run-time switches of the workshop's faults. A key absent from the file means the service's
 * configured value (its environment), so deleting a key switches its fault back.
 */
export const FlagsSchema = Type.Object(
  {
    // The card provider slow: added to every charge, instead of PAYMENT_LATENCY_MS.
    'payment.latencyMs': Type.Optional(Type.Integer({ minimum: 0, maximum: 30_000 })),
    // The card provider declining this share of orders, instead of PAYMENT_DECLINE_RATE.
    'payment.declineRate': Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    // A consumer group slowed: this long per message before its handler, so its lag climbs.
    'inventory.delayMs': Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    'payment.delayMs': Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    'email.delayMs': Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export type Flags = Static<typeof FlagsSchema>;
export type FlagName = keyof Flags;

/** The consumer groups that can be slowed, and the flag that slows each. */
export const groupDelayFlags = {
  inventory: 'inventory.delayMs',
  payment: 'payment.delayMs',
  email: 'email.delayMs',
} as const satisfies Record<string, FlagName>;

/** The flag that slows a consumer group, or null for a group that has none. */
export function groupDelayFlag(groupId: string): FlagName | null {
  return Object.hasOwn(groupDelayFlags, groupId)
    ? groupDelayFlags[groupId as keyof typeof groupDelayFlags]
    : null;
}

export class FlagsError extends Error {
  readonly code = 'FLAGS_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FlagsError';
  }
}

const validator = Compile(FlagsSchema);

/** Why `value` is not a valid set of flags, one line per problem, or [] when it is. */
export function flagsProblems(value: unknown): string[] {
  if (validator.Check(value)) return [];
  const known = Object.keys(FlagsSchema.properties).join(', ');
  return [...validator.Errors(value)].flatMap((e) => {
    const name = e.instancePath.replace(/^\//, '');
    // An unknown key is reported twice (by the key and by its object): once is clearer.
    if (e.keyword === 'additionalProperties') return [];
    if (e.schemaPath === '#/additionalProperties') return [`${name}: not a flag (the flags: ${known})`];
    return [`${name || 'flags'}: ${e.message}`];
  });
}

/**
 * The flags in a file's text. Blank text is no flags: a file emptied by hand (`: > flags.json`)
 * switches every fault back, as deleting it does.
 */
export function parseFlags(text: string, source: string): Flags {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FlagsError(`${source}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const problems = flagsProblems(value);
  if (problems.length > 0) throw new FlagsError(`${source}: invalid flags\n  - ${problems.join('\n  - ')}`);
  return value as Flags;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The flags in `file`: {} when there is no file; a FlagsError when it holds no valid flags. */
export async function readFlags(file: string): Promise<Flags> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return {};
    throw err;
  }
  return parseFlags(text, file);
}

/**
 * Validates and replaces the file in one step (a temporary file renamed over it), so a service
 * polling it reads either the old flags or the new ones, never half a file.
 */
export async function writeFlags(file: string, flags: Flags): Promise<void> {
  const problems = flagsProblems(flags);
  if (problems.length > 0) throw new FlagsError(`invalid flags\n  - ${problems.join('\n  - ')}`);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(flags, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
