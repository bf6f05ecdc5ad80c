import { type EventOf, encodeEvent, headers as h, type TopicName } from '@akaso/contracts';
import { traceHeaders } from '@akaso/observability';

/**
 * The transactional outbox. A service never "writes the database, then sends to Kafka": it
 * writes its state change and the outgoing events in ONE database transaction, and the relay
 * publishes them afterwards. Either both happen or neither; a crash in between only delays.
 *
 * These functions take the transaction they must join: a Prisma interactive-transaction client
 * (`prisma.$transaction(async (tx) => …)`) or anything with the same raw-SQL method.
 */
/**
 * A node-postgres client or pool (the handlers' transactions). Hot statements are named: pg then
 * prepares them once per connection instead of parsing them on every call.
 */
export interface Sql {
  query<R extends object = Record<string, unknown>>(config: {
    name?: string;
    text: string;
    values?: unknown[];
  }): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface OutgoingEvent<T extends TopicName = TopicName> {
  topic: T;
  event: EventOf<T>;
  correlationId: string;
}

// outbox_enqueue (packages/outbox/sql/migrations) is the one writer of outbox rows: one
// statement whatever the number of events, the rows travelling as one JSON parameter.
const ENQUEUE_SQL = 'select "outbox_enqueue"($1::jsonb)';

/** Writes the events to the outbox in the caller's transaction, in the order given. */
export async function enqueue(tx: Sql, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map(outboxRow));
  await tx.query({ name: 'akaso_outbox_enqueue', text: ENQUEUE_SQL, values: [rows] });
}

/**
 * Idempotent consumer: records that `group` handled these eventIds, in the same transaction as
 * the effect, in one statement, and returns the ones this transaction claimed first. Events not returned were handled before (a redelivery) or
 * appear twice in the batch: their effects must be skipped.
 */
export async function claimEvents(tx: Sql, group: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>({
    name: 'akaso_claim_events',
    text: `insert into "processed_events" ("consumer_group", "event_id")
       select $1, e from unnest($2::uuid[]) as e on conflict do nothing returning event_id`,
    values: [group, [...new Set(eventIds)]],
  });
  return new Set(rows.map((r) => r.event_id));
}

/** One outbox row as outbox_enqueue takes it; `payload` is the event's JSON text. */
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
 * enqueue() hands it to outbox_enqueue; order-api's place_order does too, inside its one round trip.
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
      // W3C traceparent: the relay's send span and then the consumers continue this order's trace.
      ...traceHeaders(e.event.orderId),
    },
  };
}
