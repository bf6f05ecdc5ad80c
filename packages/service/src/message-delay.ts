import { type BatchHandler, type Clock, systemClock } from '@akaso/kafka';

/** The longest single wait: between two, the group hears a heartbeat and a cleared flag is seen. */
const SLICE_MS = 1_000;

export interface MessageDelayOptions {
  /** The delay per message in effect now (a run-time flag); 0 for none. */
  delayMs(): number;
  /** False once the service stops: the waiting ends and the handler runs at once. */
  active?(): boolean;
  clock?: Clock;
}

/**
 * A consumer group slowed on purpose (the workshop's "slow group" fault): each message waits
 * `delayMs()` before the handler sees its batch, so the group's lag climbs while the flag is set
 * and drains once it is cleared. It wraps the handler and leaves the delivery core alone: the
 * wait holds the batch's keys as a slow side effect would, with heartbeats so the group keeps
 * its members. A delay of 0 costs nothing: the handler is called directly, no timer, no await.
 */
export function withMessageDelay(handler: BatchHandler, opts: MessageDelayOptions): BatchHandler {
  const clock = opts.clock ?? systemClock;
  const active = opts.active ?? (() => true);

  const delayed: BatchHandler = async (deliveries, ctx) => {
    for (let i = 0; i < deliveries.length && active(); i++) {
      let left = opts.delayMs();
      while (left > 0 && active()) {
        const step = Math.min(left, SLICE_MS);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, step));
        // A failed heartbeat is the consumer's business: a lost generation shows there.
        await ctx.heartbeat().catch(() => {});
        // A flag lowered or cleared meanwhile takes effect at once, not after the batch.
        left = Math.min(left - step, opts.delayMs());
      }
    }
    return handler(deliveries, ctx);
  };

  return (deliveries, ctx) =>
    opts.delayMs() > 0 && active() ? delayed(deliveries, ctx) : handler(deliveries, ctx);
}
