import type { Logger } from '@akaso/config';
import pg from 'pg';
import { ORDER_STATUS_CHANNEL } from './status-projector.ts';

/**
 * Pushes "order X changed" to the SSE streams of this instance. The change may have been made by
 * the order-status consumer of ANY api instance, so it travels through PostgreSQL: the status
 * transaction runs pg_notify, delivered on commit to every instance LISTENing here.
 */
export interface StatusFeed {
  subscribe(orderId: string, onChange: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createStatusFeed(connectionString: string, logger: Logger): StatusFeed {
  const client = new pg.Client({ connectionString, application_name: 'order-api-status-feed' });
  const subscribers = new Map<string, Set<() => void>>();
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
    async start() {
      await client.connect();
      client.on('notification', (msg) => {
        for (const fn of subscribers.get(msg.payload ?? '') ?? []) fn();
      });
      client.on('error', (err) => logger.error({ err: err.message }, 'status feed connection error'));
      await client.query(`listen ${ORDER_STATUS_CHANNEL}`);
    },
    async stop() {
      await client.end();
    },
  };
}
