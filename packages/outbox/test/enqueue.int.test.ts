import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headers as h, newEvent, topics } from '@akaso/contracts';
import { stack } from '@akaso/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, type OutgoingEvent, outboxMigrations, outboxRow, type Sql } from '../src/index.ts';

// enqueue() and outbox_enqueue, the one writer of outbox rows, against the real PostgreSQL, in a
// database of their own migrated by the outbox's own migrations (idempotent: applied twice here).
const database = `outbox_enqueue_it_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const admin = new pg.Client({ connectionString: `${stack.postgres}/postgres` });
let client: pg.Client;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${database}`);
  client = new pg.Client({ connectionString: `${stack.postgres}/${database}` });
  await client.connect();
  for (const name of readdirSync(outboxMigrations.dir).sort()) {
    const sql = readFileSync(join(outboxMigrations.dir, name, 'migration.sql'), 'utf8');
    await client.query(sql);
    await client.query(sql);
  }
});

afterAll(async () => {
  await client?.end();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

const released = (userId: string, reason: string): OutgoingEvent => ({
  topic: topics.inventory,
  event: newEvent('StockReleased', { orderId: randomUUID(), userId }, { reason }),
  correlationId: randomUUID(),
});

/** The client, counting the statements sent through it. */
function counting(): { tx: Sql; statements: () => number } {
  let n = 0;
  return {
    tx: {
      query: (config) => {
        n++;
        return client.query(config);
      },
    } as Sql,
    statements: () => n,
  };
}

describe('enqueue', () => {
  it('writes a batch in one statement, in the order given, each row as outboxRow builds it', async () => {
    const events = [released('user-b', 'first'), released('user-a', 'second'), released('user-b', 'third')];
    const { tx, statements } = counting();
    await enqueue(tx, events);
    expect(statements()).toBe(1);

    const { rows } = await client.query(
      `select event_id, topic, key, payload, headers, published_at from "outbox"
        where event_id = any($1::uuid[]) order by id`,
      [events.map((e) => e.event.eventId)],
    );
    expect(rows).toEqual(
      events.map((e) => {
        const row = outboxRow(e);
        return {
          event_id: row.eventId,
          topic: 'inventory',
          key: e.event.userId,
          payload: JSON.parse(row.payload),
          headers: row.headers,
          published_at: null,
        };
      }),
    );
    expect(rows[0].headers).toMatchObject({
      [h.correlationId]: events[0]?.correlationId,
      [h.eventType]: 'StockReleased',
      [h.eventId]: events[0]?.event.eventId,
    });
  });

  it('joins the caller transaction: rolled back, nothing is written', async () => {
    const event = released('user-c', 'rolled back');
    await client.query('begin');
    await enqueue(client, [event]);
    await client.query('rollback');
    const { rows } = await client.query('select 1 from "outbox" where event_id = $1', [event.event.eventId]);
    expect(rows).toEqual([]);
  });

  it('sends nothing for no events', async () => {
    const { tx, statements } = counting();
    await enqueue(tx, []);
    expect(statements()).toBe(0);
  });
});

describe('outbox_enqueue', () => {
  it('stores the headers as given, the traceparent the relay sends on included', async () => {
    const row = outboxRow(released('user-d', 'traced'));
    const traced = {
      ...row,
      headers: { ...row.headers, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    };
    await client.query('select "outbox_enqueue"($1::jsonb)', [JSON.stringify([traced])]);
    const { rows } = await client.query('select headers from "outbox" where event_id = $1', [row.eventId]);
    expect(rows).toEqual([{ headers: traced.headers }]);
  });

  it('refuses a second row for the same event', async () => {
    const row = outboxRow(released('user-e', 'twice'));
    await client.query('select "outbox_enqueue"($1::jsonb)', [JSON.stringify([row])]);
    await expect(client.query('select "outbox_enqueue"($1::jsonb)', [JSON.stringify([row])])).rejects.toThrow(
      /outbox_event_id_key/,
    );
  });
});
