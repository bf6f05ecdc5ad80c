export type { OutboxRow, OutgoingEvent, RawSql } from './outbox.ts';
export { claimEvent, enqueue, outboxRow } from './outbox.ts';
export type { OutboxRelay, RelayOptions } from './relay.ts';
export { createOutboxRelay, relayDefaults } from './relay.ts';
