import type { AnyEvent } from './events.ts';
import { topicEvents } from './events.ts';
import { uuidv7 } from './uuid-v7.ts';

/** Every event type the contracts know, and the event (with its current version) for each. */
export type EventType = AnyEvent['type'];
export type EventByType = { [E in AnyEvent as E['type']]: E };
/** What the caller supplies: everything but the envelope. */
export type EventFields<T extends EventType> = Omit<
  EventByType[T],
  'type' | 'version' | 'eventId' | 'orderId' | 'userId' | 'occurredAt'
>;

// The version each type is produced at comes from its schema, so a v2 schema changes it here too.
const versions = new Map<string, number>(
  Object.values(topicEvents)
    .flat()
    .map((schema) => [
      (schema.properties.type as { const: string }).const,
      (schema.properties.version as { const: number }).const,
    ]),
);

/**
 * The one place an event's envelope is assembled: a fresh eventId, the order and user it is
 * about (copied from the event or request that caused it), the time, the schema's version.
 */
export function newEvent<T extends EventType>(
  type: T,
  about: { orderId: string; userId: string },
  fields: EventFields<T>,
  now: Date = new Date(),
): EventByType[T] {
  return {
    type,
    version: versions.get(type),
    eventId: uuidv7(),
    orderId: about.orderId,
    userId: about.userId,
    occurredAt: now.toISOString(),
    ...fields,
  } as unknown as EventByType[T];
}
