import { ACKS_ALL, type Logger, type Message, type Producer } from '@akaso/kafka';
import pg from 'pg';

export interface RelayOptions {
  connectionString: string;
  producer: Producer;
  logger: Logger;
  /** Rows per Kafka batch (one sendBatch, one UPDATE). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (another process inserted, a notification was lost). */
  pollIntervalMs?: number;
  /**
   * After a wake-up (a NOTIFY: a row was written), wait this long before reading the outbox, so
   * rows written meanwhile leave in the same Kafka batch: fewer, larger produce requests for a
   * little latency. The relay's counterpart of a producer's linger.ms (kafkajs has none): 0
   * publishes at once; a full batch never waits.
   */
  lingerMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
  /** After each published batch, and with the backlog every few seconds (metrics). */
  onPublished?(count: number): void;
  onBacklog?(rows: number): void;
}

export const relayDefaults = {
  batchSize: 500,
  pollIntervalMs: 500,
  lingerMs: 0,
  retentionMs: 60 * 60_000,
} as const;

// One relay per database publishes at a time (session advisory lock): with several instances
// of a service, rows still leave in insertion order, so per-user order holds on the topic.
const RELAY_LOCK = 'akaso-outbox-relay';

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publish now instead of waiting for the next NOTIFY or poll. */
  wake(): void;
  backlog(): Promise<number>;
  readonly isLeader: boolean;
}

interface Row {
  id: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}

export function createOutboxRelay(opts: RelayOptions): OutboxRelay {
  const o = { ...relayDefaults, ...opts };
  const client = new pg.Client({ connectionString: o.connectionString, application_name: 'outbox-relay' });
  let running = false;
  let leader = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let pendingWake = false;
  let lastCleanup = 0;

  /** Resolves after `ms`, or earlier with true when woken. */
  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (pendingWake) {
        pendingWake = false;
        return resolve(true);
      }
      const timer = setTimeout(() => done(false), ms);
      function done(woken: boolean) {
        clearTimeout(timer);
        wakeUp = null;
        resolve(woken);
      }
      wakeUp = () => done(true);
    });
  // Lingering is not interrupted by further wake-ups (they are what it waits for); stop() is.
  let stopLinger: (() => void) | null = null;
  const linger = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        stopLinger = null;
        resolve();
      }
      stopLinger = finish;
    });

  function wake() {
    if (wakeUp) wakeUp();
    else pendingWake = true;
  }

  async function publishBatch(): Promise<number> {
    await client.query('begin');
    try {
      const { rows } = await client.query<Row>(
        `select id, topic, key, payload::text as payload, headers from "outbox"
          where published_at is null order by id limit $1 for update skip locked`,
        [o.batchSize],
      );
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      const byTopic = new Map<string, Message[]>();
      for (const row of rows) {
        const list = byTopic.get(row.topic) ?? [];
        list.push({ key: row.key, value: row.payload, headers: row.headers });
        byTopic.set(row.topic, list);
      }
      // acks=all + idempotent producer; rows are marked only after the brokers acknowledged.
      await o.producer.sendBatch({
        acks: ACKS_ALL,
        topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })),
      });
      await client.query(`update "outbox" set published_at = now() where id = any($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      await client.query('commit');
      return rows.length;
    } catch (err) {
      // Nothing marked: the rows are published again later (consumers dedupe by eventId).
      await client.query('rollback').catch(() => {});
      throw err;
    }
  }

  let lastBacklog = 0;
  async function reportBacklog() {
    if (!o.onBacklog || Date.now() - lastBacklog < 2_000) return;
    lastBacklog = Date.now();
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from "outbox" where published_at is null',
    );
    o.onBacklog(rows[0]?.n ?? 0);
  }

  async function cleanup() {
    if (Date.now() - lastCleanup < 60_000) return;
    lastCleanup = Date.now();
    await client.query(`delete from "outbox" where published_at < now() - make_interval(secs => $1)`, [
      o.retentionMs / 1000,
    ]);
  }

  async function run() {
    let failures = 0;
    while (running) {
      try {
        if (!leader) {
          const { rows } = await client.query<{ ok: boolean }>(
            'select pg_try_advisory_lock(hashtext($1)) as ok',
            [RELAY_LOCK],
          );
          leader = rows[0]?.ok === true;
          if (!leader) {
            await wait(1_000);
            continue;
          }
          o.logger.info({}, 'outbox relay is the publisher for this database');
        }
        const published = await publishBatch();
        failures = 0;
        if (published > 0) {
          o.onPublished?.(published);
          if (published === o.batchSize) continue; // more waiting: no pause
        }
        await reportBacklog();
        await cleanup();
        const woken = await wait(o.pollIntervalMs);
        if (woken && o.lingerMs > 0 && running) await linger(o.lingerMs);
      } catch (err) {
        failures++;
        const delay = Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
        o.logger.warn(
          { err: (err as Error).message, failures, delay },
          'outbox relay: publish failed, will retry',
        );
        await wait(delay);
      }
    }
  }

  return {
    get isLeader() {
      return leader;
    },
    async start() {
      await client.connect();
      client.on('notification', () => wake());
      client.on('error', (err) => o.logger.error({ err: err.message }, 'outbox relay connection error'));
      await client.query('listen outbox');
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake();
      stopLinger?.();
      await loop;
      if (leader) await client.query('select pg_advisory_unlock(hashtext($1))', [RELAY_LOCK]).catch(() => {});
      leader = false;
      await client.end();
    },
    wake,
    async backlog() {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from "outbox" where published_at is null',
      );
      return rows[0]?.n ?? 0;
    },
  };
}
