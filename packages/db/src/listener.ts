import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { connectionOptions, type DatabaseTimeouts } from './timeouts.ts';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  /** Shown in pg_stat_activity. */
  name: string;
  onNotify(payload: string): void;
  /** After a reconnect: notifications sent while the connection was down are lost, catch up. */
  onReconnect?(): void;
  logger: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
  backoff?: { initialMs: number; maxMs: number };
  /** Bounds on connecting and on each statement; keep-alive notices a connection that vanished. */
  timeouts?: Partial<DatabaseTimeouts>;
}

export interface Listener {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

/**
 * A LISTEN connection that survives PostgreSQL restarts: when it breaks it reconnects with
 * backoff, LISTENs again and tells the owner to catch up on what it may have missed.
 */
export function createListener(opts: ListenerOptions): Listener {
  const backoff = opts.backoff ?? { initialMs: 100, maxMs: 5_000 };
  let client: pg.Client | null = null;
  let running = false;
  let reconnecting: Promise<void> | null = null;

  async function connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: opts.connectionString,
      application_name: opts.name,
      ...connectionOptions(opts.timeouts),
    });
    c.on('notification', (msg) => opts.onNotify(msg.payload ?? ''));
    c.on('error', (err) => {
      if (client !== c) return;
      client = null;
      c.end().catch(() => {});
      if (!running) return;
      opts.logger.warn({ err: err.message, channel: opts.channel }, 'LISTEN connection lost, reconnecting');
      reconnecting ??= reconnect().finally(() => {
        reconnecting = null;
      });
    });
    try {
      await c.connect();
      await c.query(`listen "${opts.channel.replaceAll('"', '""')}"`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
  }

  async function reconnect(): Promise<void> {
    for (let attempt = 1; running; attempt++) {
      await sleep(Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt - 1, 10)));
      if (!running) return;
      try {
        await connect();
        opts.logger.info({ channel: opts.channel, attempt }, 'LISTEN connection restored');
        opts.onReconnect?.();
        return;
      } catch {
        // still down: try again after a longer pause
      }
    }
  }

  return {
    get connected() {
      return client !== null;
    },
    async start() {
      running = true;
      await connect();
    },
    async stop() {
      running = false;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
      await reconnecting;
    },
  };
}
