import { advisoryLockClass, connectionOptions, type DatabaseTimeouts } from '@akaso/db';
import {
  ACKS_ALL,
  createArrivals,
  type Health,
  isTransient,
  type Logger,
  type Message,
  type Producer,
  UNHEALTHY_AFTER_MS,
} from '@akaso/kafka';
import { tracePublish } from '@akaso/observability';
import pg from 'pg';

export interface RelayOptions {
  connectionString: string;
  /** Bounds on the relay's database session (databaseTimeoutDefaults for what is not given). */
  timeouts?: Partial<DatabaseTimeouts>;
  producer: Producer;
  logger: Logger;
  /** Rows per Kafka batch (one sendBatch, one UPDATE). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (another process inserted, a notification was lost). */
  pollIntervalMs?: number;
  /**
   * The relay's tick, its counterpart of a producer's linger.ms (kafkajs has none), paced by the
   * consumers' rule (pacing.ts in @akaso/kafka): a row written after a quiet spell is published at
   * once; while rows keep coming, they are published at the ticks, so rows written meanwhile
   * leave in one Kafka batch: fewer produce requests, and fewer replication fetches behind each
   * acks=all write. 0 publishes at once always; a full batch never waits.
   */
  lingerMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
  /**
   * processed_events rows (the consumers' dedupe) older than this are deleted: a redelivery can
   * only come from a topic, and the topics keep messages 7 days.
   */
  processedRetentionMs?: number;
  /** Rows per delete when old rows are cleaned up. */
  cleanupChunk?: number;
  /** Reconnect backoff bounds after the database connection is lost. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** After each published batch, and with the backlog every few seconds (metrics). */
  onPublished?(count: number): void;
  onBacklog?(rows: number): void;
}

export const relayDefaults = {
  batchSize: 500,
  // A fallback only: writes of this process wake the relay directly, other processes' by NOTIFY.
  pollIntervalMs: 2_000,
  lingerMs: 0,
  retentionMs: 60 * 60_000,
  processedRetentionMs: 8 * 24 * 3_600_000,
  cleanupChunk: 5_000,
  reconnect: { initialMs: 100, maxMs: 5_000 },
} as const;

// One relay per database publishes at a time (session advisory lock): with several instances
// of a service, rows still leave in insertion order, so per-user order holds on the topic.
// The lock belongs to the connection: when it breaks, PostgreSQL frees the lock and whichever
// relay reconnects first takes over. Two-key form, in a class of its own (@akaso/db's
// advisoryLockClass): no other lock, whatever its key hashes to, can be this one.
const RELAY_LOCK = [advisoryLockClass.outboxRelay, 0] as const;

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publish now instead of waiting for the next NOTIFY or poll. */
  wake(): void;
  backlog(): Promise<number>;
  /** Readiness: connected, and publishing (or standing by behind another instance's relay). */
  health(): Health;
  readonly isLeader: boolean;
}

interface Row {
  id: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}

// Marks the oldest unpublished rows and returns them, in ONE statement; the transaction around
// it is committed only after Kafka acknowledged them, rolled back (unmarked) otherwise.
const CLAIM_SQL = `update "outbox" set published_at = now()
  where id in (select id from "outbox" where published_at is null order by id limit $1 for update skip locked)
  returning id, topic, key, payload::text as payload, headers`;

/**
 * The outbox relay: publishes the rows services wrote in their transactions, in insertion
 * order, in batches, and marks them sent. Per batch it spends three statements (begin, claim,
 * commit) whatever the batch size. Its database connection reconnects with backoff after
 * PostgreSQL restarts, LISTENs again and competes for leadership again: a restart costs
 * latency, never events.
 */
export function createOutboxRelay(opts: RelayOptions): OutboxRelay {
  const o = { ...relayDefaults, ...opts, reconnect: { ...relayDefaults.reconnect, ...opts.reconnect } };
  let client: pg.Client | null = null;
  let running = false;
  let leader = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let pendingWake = false;
  /** The writes that woke the relay: the pacing rule tells from them when to publish. */
  const writes = createArrivals(o.lingerMs);
  let lastCleanup = 0;
  let lastProcessedCleanup = 0;
  let failingSince: number | null = null;
  let lastError = '';

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

  /** The relay's session: connected, LISTENing. Replaced whole when it breaks. */
  async function session(): Promise<pg.Client> {
    if (client) return client;
    const c = new pg.Client({
      connectionString: o.connectionString,
      application_name: 'outbox-relay',
      ...connectionOptions(o.timeouts),
    });
    c.on('error', (err) => {
      o.logger.warn({ err: err.message }, 'outbox relay: database connection lost, reconnecting');
      drop(c);
    });
    c.on('notification', () => wake());
    try {
      await c.connect();
      await c.query('listen outbox');
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
    return c;
  }

  function drop(c: pg.Client | null) {
    if (!c) return;
    if (client === c) {
      client = null;
      leader = false; // the lock went with the connection
    }
    c.end().catch(() => {});
  }

  async function publishBatch(c: pg.Client): Promise<number> {
    await c.query('begin');
    try {
      const { rows } = await c.query<Row>({
        name: 'akaso_relay_claim',
        text: CLAIM_SQL,
        values: [o.batchSize],
      });
      if (rows.length === 0) {
        await c.query('commit');
        return 0;
      }
      // UPDATE … RETURNING does not promise an order: restore insertion order (per-user order).
      rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const byTopic = new Map<string, Message[]>();
      for (const row of rows) {
        const list = byTopic.get(row.topic) ?? [];
        list.push({ key: row.key, value: row.payload, headers: row.headers });
        byTopic.set(row.topic, list);
      }
      // acks=all + idempotent producer; the marks commit only after the brokers acknowledged.
      await tracePublish(rows, () =>
        o.producer.sendBatch({
          acks: ACKS_ALL,
          topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })),
        }),
      );
      await c.query('commit');
      return rows.length;
    } catch (err) {
      // Nothing marked: the rows are published again later (consumers dedupe by eventId).
      await c.query('rollback').catch(() => {});
      throw err;
    }
  }

  let lastBacklog = 0;
  async function reportBacklog(c: pg.Client) {
    if (!o.onBacklog || Date.now() - lastBacklog < 2_000) return;
    lastBacklog = Date.now();
    const { rows } = await c.query<{ n: number }>(
      'select count(*)::int as n from "outbox" where published_at is null',
    );
    o.onBacklog(rows[0]?.n ?? 0);
  }

  // Old rows go in chunks: each delete stays far within the session's statement timeout however
  // much a rush left behind, and holds its locks briefly.
  async function deleteOlder(c: pg.Client, table: string, column: string, ageMs: number) {
    const sql = `delete from "${table}" where ctid = any(array(
      select ctid from "${table}" where "${column}" < now() - make_interval(secs => $1) limit $2))`;
    for (let deleted = o.cleanupChunk; deleted === o.cleanupChunk && running; ) {
      deleted = (await c.query(sql, [ageMs / 1000, o.cleanupChunk])).rowCount ?? 0;
    }
  }

  async function cleanup(c: pg.Client) {
    if (Date.now() - lastCleanup >= 60_000) {
      lastCleanup = Date.now();
      await deleteOlder(c, 'outbox', 'published_at', o.retentionMs);
    }
    if (Date.now() - lastProcessedCleanup >= 3_600_000) {
      lastProcessedCleanup = Date.now();
      await deleteOlder(c, 'processed_events', 'processed_at', o.processedRetentionMs);
    }
  }

  async function run() {
    let failures = 0;
    while (running) {
      let c: pg.Client | null = null;
      try {
        c = await session();
        if (!leader) {
          const { rows } = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
            ...RELAY_LOCK,
          ]);
          leader = rows[0]?.ok === true;
          if (!leader) {
            failures = 0;
            failingSince = null;
            await wait(1_000);
            continue;
          }
          o.logger.info({}, 'outbox relay is the publisher for this database');
        }
        const published = await publishBatch(c);
        failures = 0;
        failingSince = null;
        if (published > 0) {
          o.onPublished?.(published);
          if (published === o.batchSize) continue; // more waiting: no pause
        }
        await reportBacklog(c);
        await cleanup(c);
        const woken = await wait(o.pollIntervalMs);
        if (woken && running) {
          const now = Date.now();
          const at = writes.arrive(now);
          if (at > now) await linger(at - now);
        }
      } catch (err) {
        failures++;
        failingSince ??= Date.now();
        lastError = (err as Error).message;
        // A database error may have left the session unusable: start a new one. A Kafka error
        // (brokers electing) leaves the database session, and the leadership, as they are.
        const fromKafka =
          typeof (err as Error).name === 'string' && (err as Error).name.startsWith('KafkaJS');
        if (!fromKafka) drop(c);
        const delay = Math.min(o.reconnect.maxMs, o.reconnect.initialMs * 2 ** Math.min(failures - 1, 10));
        // Logged when it starts failing and then every tenth try: an outage is not a log flood.
        if (failures === 1 || failures % 10 === 0) {
          o.logger.warn(
            { err: lastError, failures, delay, transient: isTransient(err) },
            'outbox relay: publish failed, will retry',
          );
        }
        await wait(delay);
      }
    }
  }

  return {
    get isLeader() {
      return leader;
    },
    health() {
      if (!running) return { ok: false, detail: 'not running' };
      if (failingSince !== null && Date.now() - failingSince > UNHEALTHY_AFTER_MS) {
        const s = Math.round((Date.now() - failingSince) / 1000);
        return { ok: false, detail: `cannot publish for ${s}s: ${lastError}` };
      }
      if (!client) return { ok: failingSince === null, detail: 'connecting' };
      return { ok: true, detail: leader ? 'publishing' : 'standby (another instance publishes)' };
    },
    async start() {
      running = true;
      // Fails start-up if PostgreSQL is not there at all; later losses are reconnected.
      await session();
      loop = run();
    },
    async stop() {
      running = false;
      wake();
      stopLinger?.();
      await loop;
      const c = client;
      if (c && leader) await c.query('select pg_advisory_unlock($1, $2)', [...RELAY_LOCK]).catch(() => {});
      leader = false;
      client = null;
      await c?.end().catch(() => {});
    },
    wake,
    async backlog() {
      const c = await session();
      const { rows } = await c.query<{ n: number }>(
        'select count(*)::int as n from "outbox" where published_at is null',
      );
      return rows[0]?.n ?? 0;
    },
  };
}
