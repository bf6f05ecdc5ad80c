import { type EventOf, encodeEvent, headers as h, type TopicName } from '@akaso/contracts';

/**
 * The transactional outbox. A service never "writes the database, then sends to Kafka": it
 * writes its state change and the outgoing events in ONE database transaction, and the relay
 * publishes them afterwards. Either both happen or neither; a crash in between only delays.
 *
 * These functions take the transaction they must join: a Prisma interactive-transaction client
 * (`prisma.$transaction(async (tx) => …)`) or anything with the same raw-SQL method.
 */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface OutgoingEvent<T extends TopicName = TopicName> {
  topic: T;
  event: EventOf<T>;
  correlationId: string;
}

export async function enqueue(tx: RawSql, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const values: unknown[] = [];
  const rows = events.map((e, i) => {
    const row = outboxRow(e);
    values.push(row.eventId, row.topic, row.key, row.payload, JSON.stringify(row.headers));
    const b = i * 5;
    return `($${b + 1}::uuid, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}::jsonb)`;
  });
  await tx.$executeRawUnsafe(
    `insert into "outbox" ("event_id", "topic", "key", "payload", "headers") values ${rows.join(', ')}`,
    ...values,
  );
}

/**
 * Idempotent consumer: records that `group` handled `eventId`, in the same transaction as the
 * effect. Returns false if it was already handled: the caller then does nothing, so a
 * redelivered message has no second effect.
 */
export async function claimEvent(tx: RawSql, group: string, eventId: string): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    `insert into "processed_events" ("consumer_group", "event_id") values ($1, $2::uuid) on conflict do nothing`,
    group,
    eventId,
  );
  return inserted === 1;
}

/** One outbox row; `payload` is the event's JSON text. */
export interface OutboxRow {
  eventId: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * The row for one event: keyed by user (one user's events stay in order on one partition), the
 * payload validated against the event's schema here, so a malformed event never reaches a topic.
 * Also passed as JSON to SQL that inserts it itself (order-api's place_order, one round trip).
 */
export function outboxRow(e: OutgoingEvent): OutboxRow {
  return {
    eventId: e.event.eventId,
    topic: e.topic,
    key: e.event.userId,
    payload: encodeEvent(e.topic, e.event).toString('utf8'),
    headers: {
      [h.correlationId]: e.correlationId,
      [h.eventType]: e.event.type,
      [h.eventVersion]: String(e.event.version),
      [h.eventId]: e.event.eventId,
    },
  };
}
