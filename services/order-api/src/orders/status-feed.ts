import type { Logger } from '@akaso/config';
import { createListener, type DatabaseTimeouts } from '@akaso/db';
import { ORDER_STATUS_CHANNEL } from './status-transition.ts';

/**
 * Pushes "order X changed" to the SSE streams of this instance. The change may have been made by
 * the order-status consumer of ANY api instance, so it travels through PostgreSQL: the status
 * transaction runs pg_notify, delivered on commit to every instance LISTENing here. The LISTEN
 * connection reconnects after a PostgreSQL restart; every open stream then re-reads its order,
 * since notifications sent meanwhile are lost.
 */
export interface StatusFeed {
  subscribe(orderId: string, onChange: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

export function createStatusFeed(
  connectionString: string,
  logger: Logger,
  timeouts: Partial<DatabaseTimeouts> = {},
): StatusFeed {
  const subscribers = new Map<string, Set<() => void>>();
  const listener = createListener({
    connectionString,
    channel: ORDER_STATUS_CHANNEL,
    name: 'order-api-status-feed',
    logger,
    timeouts,
    onNotify: (orderId) => {
      for (const fn of subscribers.get(orderId) ?? []) fn();
    },
    onReconnect: () => {
      for (const set of subscribers.values()) for (const fn of set) fn();
    },
  });
  return {
    subscribe(orderId, onChange) {
      let set = subscribers.get(orderId);
      if (!set) {
        set = new Set();
        subscribers.set(orderId, set);
      }
      set.add(onChange);
      return () => {
        set.delete(onChange);
        if (set.size === 0) subscribers.delete(orderId);
      };
    },
    start: () => listener.start(),
    stop: () => listener.stop(),
    get connected() {
      return listener.connected;
    },
  };
}
