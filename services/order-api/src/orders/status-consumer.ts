import type { AnyEvent } from '@akaso/contracts';
import { topics } from '@akaso/contracts';
import { type Pool, transaction } from '@akaso/db';
import { claimEvents, enqueue } from '@akaso/outbox';
import type { Clock } from '../clock.ts';
import type { OrderStatus } from './status.ts';
import { applyStatusEvents } from './status-transition.ts';

export interface StatusInput {
  event: AnyEvent;
  correlationId: string;
}

/**
 * The order-status consumer group's handler (the asynchronous path), a batch at a time in ONE
 * transaction with a constant number of statements: claim the eventIds, move the orders
 * (applyStatusEvents, the transition the synchronous baseline uses too), and write every
 * OrderConfirmed/OrderRejected to the outbox. A redelivered event was claimed before and moves
 * nothing.
 */
export function createStatusConsumer(deps: {
  pool: Pool;
  clock: Clock;
  group: string;
  onOutboxWrite(): void;
}) {
  return async function handle(
    inputs: readonly StatusInput[],
  ): Promise<{ status: OrderStatus; changed: boolean }[]> {
    const outcome = await transaction(deps.pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        deps.group,
        inputs.map((i) => i.event.eventId),
      );
      const todo = inputs.filter((i) => claimed.delete(i.event.eventId));
      if (todo.length === 0) return { outcomes: [], wrote: false };
      const p = await applyStatusEvents(
        tx,
        todo.map((i) => i.event),
        deps.clock.now(),
      );
      await enqueue(
        tx,
        p.outgoing.map((o) => ({
          topic: topics.orderStatus,
          event: o.event,
          correlationId: todo[o.input]?.correlationId ?? '',
        })),
      );
      return { outcomes: p.outcomes, wrote: p.outgoing.length > 0 };
    });
    if (outcome.wrote) deps.onOutboxWrite();
    return outcome.outcomes;
  };
}
