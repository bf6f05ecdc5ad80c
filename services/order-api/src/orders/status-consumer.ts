import type { AnyEvent } from '@akaso/contracts';
import { topics } from '@akaso/contracts';
import { claimEvent, enqueue, type OutgoingEvent } from '@akaso/outbox';
import type { Db } from '../db.ts';
import type { Projection, StatusProjector } from './status-projector.ts';

export interface StatusInput {
  event: AnyEvent;
  correlationId: string;
}

/**
 * The order-status consumer group's handler (the asynchronous path), a batch at a time in ONE
 * transaction: each eventId is claimed for the group (a redelivery does nothing), the projector
 * moves each order in delivery order, and every OrderConfirmed/OrderRejected goes to the outbox
 * in one insert; the relay is woken after the commit.
 */
export function createStatusConsumer(deps: {
  db: Db;
  projector: StatusProjector;
  group: string;
  onOutboxWrite(): void;
}) {
  return async function handle(inputs: readonly StatusInput[]): Promise<Projection[]> {
    const outcome = await deps.db.$transaction(
      async (tx) => {
        const projections: Projection[] = [];
        const outgoing: OutgoingEvent[] = [];
        for (const { event, correlationId } of inputs) {
          if (!(await claimEvent(tx, deps.group, event.eventId))) continue;
          const projection = await deps.projector.project(tx, event);
          projections.push(projection);
          if (projection.outgoing) {
            outgoing.push({ topic: topics.orderStatus, event: projection.outgoing, correlationId });
          }
        }
        await enqueue(tx, outgoing);
        return { projections, wrote: outgoing.length > 0 };
      },
      // A batch of a few hundred events is a few hundred statements: more than Prisma's 5 s default.
      { timeout: 60_000, maxWait: 10_000 },
    );
    if (outcome.wrote) deps.onOutboxWrite();
    return outcome.projections;
  };
}
