import type { AnyEvent } from '@akaso/contracts';
import { topics } from '@akaso/contracts';
import { claimEvent, enqueue } from '@akaso/outbox';
import type { Db } from '../db.ts';
import type { Projection, StatusProjector } from './status-projector.ts';

/**
 * The order-status consumer group's handler (the asynchronous path). In ONE transaction: the
 * eventId is claimed for the group (a redelivery does nothing), the projector moves the order,
 * and OrderConfirmed/OrderRejected goes to the outbox; the relay is woken after the commit.
 */
export function createStatusConsumer(deps: {
  db: Db;
  projector: StatusProjector;
  group: string;
  onOutboxWrite(): void;
}) {
  return async function handle(event: AnyEvent, ctx: { correlationId: string }): Promise<Projection | null> {
    const outcome = await deps.db.$transaction(async (tx) => {
      if (!(await claimEvent(tx, deps.group, event.eventId))) return null;
      const projection = await deps.projector.project(tx, event);
      if (projection.outgoing) {
        await enqueue(tx, [
          { topic: topics.orderStatus, event: projection.outgoing, correlationId: ctx.correlationId },
        ]);
      }
      return projection;
    });
    if (outcome?.outgoing) deps.onOutboxWrite();
    return outcome;
  };
}
