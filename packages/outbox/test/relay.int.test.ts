import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProducer, type Logger, type Producer } from '@akaso/kafka';
import { stack, testKafka, withAdmin } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, outboxMigrations } from '../src/index.ts';

// The relay against the real PostgreSQL and the real brokers, in a database and on a topic of
// its own (so no service consumes what it publishes). A spy around the real producer counts the
// Kafka batches.
const database = 'outbox_relay_it';
const topic = 'outbox-relay-it';
const url = `${stack.postgres}/${database}`;
// The outbox's own migrations, as text: they are idempotent, and this database has no other.
const outboxSql = readdirSync(outboxMigrations.dir)
  .sort()
  .map((name) => readFileSync(join(outboxMigrations.dir, name, 'migration.sql'), 'utf8'))
  .join('\n');

let producer: Producer;
const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} };

async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  connectionString: string,
  text: string,
  values: unknown[] = [],
) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await sql(`${stack.postgres}/postgres`, `drop database if exists ${database} with (force)`);
  await sql(`${stack.postgres}/postgres`, `create database ${database}`);
  await sql(url, outboxSql);
  await withAdmin(async (admin) => {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
      waitForLeaders: true,
    });
  });
  producer = createProducer(testKafka());
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await sql(`${stack.postgres}/postgres`, `drop database if exists ${database} with (force)`);
});

/** Runs a relay with `lingerMs`, writes `rows` outbox rows one statement at a time `gapMs` apart. */
async function publishSpaced(lingerMs: number, rows: number, gapMs: number) {
  const batches: number[] = [];
  const spy: Producer = {
    ...producer,
    sendBatch: async (batch) => {
      batches.push(batch.topicMessages?.reduce((n, t) => n + t.messages.length, 0) ?? 0);
      return producer.sendBatch(batch);
    },
  };
  const relay = createOutboxRelay({
    connectionString: url,
    producer: spy,
    logger: quiet,
    lingerMs,
    pollIntervalMs: 60_000, // only NOTIFY wakes it: the test is about what a wake-up does
  });
  await relay.start();
  try {
    await expect.poll(() => relay.isLeader, { timeout: 10_000 }).toBe(true);
    const runId = crypto.randomUUID();
    for (let i = 0; i < rows; i++) {
      await sql(
        url,
        `insert into "outbox" ("event_id", "topic", "key", "payload", "headers")
         values (gen_random_uuid(), $1, $2, $3::jsonb, '{}'::jsonb)`,
        [topic, `user-${i % 2}`, JSON.stringify({ runId, i })],
      );
      await new Promise((r) => setTimeout(r, gapMs));
    }
    await expect
      .poll(
        async () =>
          (
            await sql<{ n: number }>(
              url,
              'select count(*)::int as n from "outbox" where published_at is null',
            )
          )[0]?.n,
        { timeout: 30_000, interval: 100 },
      )
      .toBe(0);
    return batches;
  } finally {
    await relay.stop();
  }
}

describe('the outbox relay pacing (OUTBOX_RELAY_LINGER_MS)', () => {
  it('with 0, publishes each write as it comes: several Kafka batches', async () => {
    const batches = await publishSpaced(0, 5, 150);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(5);
    expect(batches.length).toBeGreaterThan(1);
  });

  it('with a linger, a write after a quiet spell goes at once, and a stream of writes waits for the tick and goes together', async () => {
    // Five writes 50 ms apart against 2 s ticks: the first two are no stream yet and go one by
    // one; from the third on they wait for the tick (at most one tick falls inside the burst).
    const batches = await publishSpaced(2_000, 5, 50);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(5);
    expect(batches.slice(0, 2)).toEqual([1, 1]);
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(Math.max(...batches.slice(2))).toBeGreaterThanOrEqual(2);
  });
});

describe('the outbox relay cleanup', () => {
  it('deletes published rows past their retention in chunks, and only those', async () => {
    const insert = (publishedAt: string, n: number) =>
      sql(
        url,
        `insert into "outbox" ("event_id", "topic", "key", "payload", "headers", "published_at")
         select gen_random_uuid(), $1, 'user', '{}'::jsonb, '{}'::jsonb, ${publishedAt}
         from generate_series(1, $2)`,
        [topic, n],
      );
    await insert("now() - interval '2 hours'", 12);
    await insert('now()', 2);
    const count = async () =>
      (
        await sql<{ n: number }>(
          url,
          'select count(*)::int as n from "outbox" where published_at is not null',
        )
      )[0]?.n;
    const before = await count();
    const relay = createOutboxRelay({ connectionString: url, producer, logger: quiet, cleanupChunk: 5 });
    await relay.start();
    try {
      await expect.poll(count, { timeout: 10_000, interval: 100 }).toBe((before ?? 0) - 12);
      expect(
        (
          await sql<{ n: number }>(
            url,
            `select count(*)::int as n from "outbox" where published_at > now() - interval '1 hour'`,
          )
        )[0]?.n,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await relay.stop();
    }
  });
});
