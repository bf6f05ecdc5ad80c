import type { ServerResponse } from 'node:http';
import { type Clock, systemClock } from '@akaso/kafka';
import { AppError } from '@akaso/service';
import type { FastifyBaseLogger } from 'fastify';
import type { OrderService, StatusChange } from '../orders/order-service.ts';
import { isTerminal } from '../orders/status.ts';
import type { StatusFeed } from '../orders/status-feed.ts';

export interface StreamLimits {
  /** Open SSE streams on one order; beyond, 503 TOO_MANY_STREAMS. */
  maxStreamsPerOrder: number;
  /** Open SSE streams on this API instance; beyond, 503 TOO_MANY_STREAMS. */
  maxStreams: number;
  /** Open SSE streams from one client address; beyond, 503 TOO_MANY_STREAMS. */
  maxStreamsPerClient: number;
  /**
   * The server ends a stream after this long (ms); EventSource reconnects with Last-Event-ID and
   * the stream resumes after that event. Bounds how long one client holds a slot and a socket.
   */
  maxLifetimeMs: number;
  /** A failed history read is tried again after this long (ms). */
  retryMs: number;
}

// Each stream holds a socket and a few KB; the database cost is per order, not per stream (one
// history read per change for all of an order's streams), so the caps bound sockets and memory.
export const streamLimitDefaults = {
  maxStreamsPerOrder: 200,
  maxStreams: 2_000,
  maxStreamsPerClient: 20,
  maxLifetimeMs: 300_000,
  retryMs: 1_000,
} as const satisfies StreamLimits;

interface Stream {
  lastId: bigint;
  started: boolean;
  send(change: StatusChange): void;
  end(): void;
}

interface OrderStreams {
  streams: Set<Stream>;
  unsubscribe: () => void;
  pumping: boolean;
  again: boolean;
  /** The retry of a failed history read, cleared with the last stream. */
  retry?: unknown;
}

export interface StreamSlot {
  /** Registers the stream (subscribed from now on); call start() once the history is read. */
  /** `after`: the client's Last-Event-ID (0n: from the start); only later changes are sent. */
  open(
    orderId: string,
    res: ServerResponse,
    after?: bigint,
  ): { start(history: StatusChange[]): void; end(): void; discard(): void };
  /** Gives the slot back when the request fails before open(). */
  release(): void;
}

/**
 * The SSE streams of this instance. All streams of one order share one feed subscription and one
 * history read per change, so a few hundred watchers of one order cost one query, not hundreds
 * (which exhausted the pool). A read that fails is logged and retried, never left unhandled.
 */
export function createStreamHub(deps: {
  orders: Pick<OrderService, 'historySince'>;
  feed: Pick<StatusFeed, 'subscribe'>;
  logger: FastifyBaseLogger;
  maxStreamsPerOrder: number;
  maxStreams: number;
  maxStreamsPerClient: number;
  maxLifetimeMs: number;
  retryMs: number;
  /** The retry and lifetime timers run on it (tests drive it; default: the process clock). */
  clock?: Clock;
}) {
  const clock = deps.clock ?? systemClock;
  const byOrder = new Map<string, OrderStreams>();
  const claimedPerOrder = new Map<string, number>();
  const claimedPerClient = new Map<string, number>();
  let total = 0;

  const pump = async (orderId: string, entry: OrderStreams): Promise<void> => {
    if (entry.pumping) {
      entry.again = true;
      return;
    }
    entry.pumping = true;
    try {
      do {
        entry.again = false;
        const live = [...entry.streams].filter((s) => s.started);
        if (live.length === 0) break;
        // bigint: no Math.min. The oldest position among the streams, so one read serves all.
        let after = live[0]?.lastId ?? 0n;
        for (const s of live) if (s.lastId < after) after = s.lastId;
        const changes = await deps.orders.historySince(orderId, after);
        for (const stream of live) for (const change of changes) stream.send(change);
      } while (entry.again);
    } catch (err) {
      deps.logger.warn({ err, orderId }, 'status stream: history read failed, retrying');
      entry.retry = clock.setTimeout(() => void pump(orderId, entry), deps.retryMs);
    } finally {
      entry.pumping = false;
    }
  };

  const decrement = (counts: Map<string, number>, key: string) => {
    const n = (counts.get(key) ?? 1) - 1;
    if (n > 0) counts.set(key, n);
    else counts.delete(key);
  };
  const release = (orderId: string, client: string) => {
    total -= 1;
    decrement(claimedPerOrder, orderId);
    decrement(claimedPerClient, client);
  };

  return {
    get open() {
      return total;
    },

    /** `client`: the caller's address (one client may hold maxStreamsPerClient streams). */
    claim(orderId: string, client: string): StreamSlot {
      const perOrder = claimedPerOrder.get(orderId) ?? 0;
      const perClient = claimedPerClient.get(client) ?? 0;
      if (perClient >= deps.maxStreamsPerClient) {
        throw new AppError('TOO_MANY_STREAMS', `this client already has ${perClient} open status streams`);
      }
      if (perOrder >= deps.maxStreamsPerOrder || total >= deps.maxStreams) {
        throw new AppError(
          'TOO_MANY_STREAMS',
          perOrder >= deps.maxStreamsPerOrder
            ? `this order already has ${perOrder} open status streams`
            : 'too many open status streams, retry in a moment',
        );
      }
      claimedPerOrder.set(orderId, perOrder + 1);
      claimedPerClient.set(client, perClient + 1);
      total += 1;
      let released = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        release(orderId, client);
      };
      return {
        release: releaseOnce,
        open(id, res, after = 0n) {
          let entry = byOrder.get(id);
          if (!entry) {
            const created: OrderStreams = {
              streams: new Set(),
              unsubscribe: () => {},
              pumping: false,
              again: false,
            };
            created.unsubscribe = deps.feed.subscribe(id, () => void pump(id, created));
            byOrder.set(id, created);
            entry = created;
          }
          const owner = entry;
          let keepAlive: NodeJS.Timeout | undefined;
          let lifetime: unknown;
          const stream: Stream = {
            lastId: after,
            started: false,
            send(change) {
              const changeId = BigInt(change.id);
              if (changeId <= stream.lastId) return;
              res.write(
                `id: ${change.id}\nevent: status\ndata: ${JSON.stringify({ orderId: id, ...change })}\n\n`,
              );
              stream.lastId = changeId;
              if (isTerminal(change.status)) stream.end();
            },
            end() {
              if (forget()) res.end();
            },
          };
          const forget = () => {
            if (!owner.streams.delete(stream)) return false;
            clearInterval(keepAlive);
            clock.clearTimeout(lifetime);
            releaseOnce();
            if (owner.streams.size === 0) {
              clock.clearTimeout(owner.retry);
              owner.unsubscribe();
              byOrder.delete(id);
            }
            return true;
          };
          owner.streams.add(stream);
          return {
            start(history) {
              res.writeHead(200, {
                'content-type': 'text/event-stream; charset=utf-8',
                'cache-control': 'no-cache, no-transform',
                connection: 'keep-alive',
                'x-accel-buffering': 'no',
              });
              keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
              // Ended without a terminal state: EventSource reconnects with Last-Event-ID.
              lifetime = clock.setTimeout(() => stream.end(), deps.maxLifetimeMs);
              stream.started = true;
              for (const change of history) if (owner.streams.has(stream)) stream.send(change);
              // A change committed between the history read and now: the pump catches it up.
              if (owner.streams.has(stream)) void pump(id, owner);
            },
            end: () => stream.end(),
            // The request failed before the stream began: the error handler answers on `res`.
            discard: () => void forget(),
          };
        },
      };
    },

    closeAll() {
      for (const entry of byOrder.values()) for (const stream of [...entry.streams]) stream.end();
    },
  };
}
