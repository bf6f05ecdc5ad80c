export { outboxMigrations } from './migrations.ts';
export type { OutboxRow, OutgoingEvent, Sql } from './outbox.ts';
export { claimEvents, enqueue, outboxRow } from './outbox.ts';
export type { OutboxRelay, RelayOptions } from './relay.ts';
export { createOutboxRelay, relayDefaults } from './relay.ts';
export type { EventSink } from './sink.ts';
export { outboxSink, returnOnly } from './sink.ts';
