import type { AnyEvent } from '@akaso/contracts';
import { enqueue, type OutgoingEvent, type Sql } from './outbox.ts';

/**
 * Where a handler's outgoing events go — the one difference between the asynchronous pipeline
 * and the synchronous baseline, as a strategy rather than flags: the consumer writes them to
 * the outbox in its transaction (the relay publishes them); an internal HTTP call of the
 * baseline only returns them to its caller.
 */
export interface EventSink {
  /** Inside the handler's transaction. */
  write(tx: Sql, events: OutgoingEvent[]): Promise<void>;
  /** After the transaction committed. */
  committed(events: readonly AnyEvent[]): void;
}

/** The pipeline: to the outbox, and wake the relay once committed. */
export function outboxSink(wake: () => void): EventSink {
  return {
    write: (tx, events) => enqueue(tx, events),
    committed: (events) => {
      if (events.length > 0) wake();
    },
  };
}

/** The synchronous baseline: the events are the answer, nothing is published. */
export const returnOnly: EventSink = {
  write: async () => {},
  committed: () => {},
};
