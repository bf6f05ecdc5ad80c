/**
 * What a bench run measures besides CPU: PostgreSQL transactions per database, the services'
 * Kafka client requests by API, and each consumer group's lag while the rush runs. Counters are
 * read before and after a run; the figures are their differences per accepted order.
 */
import { groupTopics } from '@akaso/contracts';
import { type Admin, createKafka, type Kafka, kafkaClientOptions, loadKafkaConfig } from '@akaso/kafka';
import { bootstrapServers, host, postgresServerUrl, serviceBasePorts } from '@akaso/stack-client';
import pg from 'pg';
import { runningInstances } from '../stack/services.ts';

import { addKafkaRequests, type Counts } from './cost.ts';

/** Committed + rolled-back transactions per service database (pg_stat_database). */
export async function pgTransactions(): Promise<Counts> {
  const client = new pg.Client({ connectionString: `${postgresServerUrl}/postgres` });
  await client.connect();
  try {
    // The statistics are sent by backends on a timer: flush what this snapshot needs to see.
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ datname: string; n: string }>(
      `select datname, (xact_commit + xact_rollback)::text as n from pg_stat_database
        where datname in ('order_api', 'inventory', 'payment', 'email')`,
    );
    return Object.fromEntries(rows.map((r) => [r.datname, Number(r.n)]));
  } finally {
    await client.end();
  }
}

/** Requests the services' Kafka clients sent, by API, summed over instances (their /metrics). */
export async function kafkaRequests(): Promise<Counts> {
  const out: Counts = {};
  for (const inst of await runningInstances()) {
    if (inst.service === 'dashboard') continue;
    try {
      const res = await fetch(`http://${host}:${serviceBasePorts[inst.service] + inst.i - 1}/metrics`);
      addKafkaRequests(out, await res.text());
    } catch {
      // An instance that does not answer contributes nothing to this sample.
    }
  }
  return out;
}

/** Each group's lag (end offset minus committed offset, summed over its topics' partitions). */
async function lagByGroup(admin: Admin): Promise<Counts> {
  const out: Counts = {};
  const ends = new Map<string, Map<number, bigint>>();
  for (const topic of new Set(Object.values(groupTopics).flat())) {
    ends.set(
      topic,
      new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)])),
    );
  }
  for (const [group, topics] of Object.entries(groupTopics)) {
    let lag = 0n;
    for (const t of await admin.fetchOffsets({ groupId: group, topics: [...topics] })) {
      for (const p of t.partitions) {
        const end = ends.get(t.topic)?.get(p.partition) ?? 0n;
        const committed = p.offset === '-1' ? 0n : BigInt(p.offset);
        if (end > committed) lag += end - committed;
      }
    }
    out[group] = Number(lag);
  }
  return out;
}

let kafka: Kafka | null = null;

/**
 * Samples every group's lag until stopped and keeps the largest seen per group. Every 2 s: the
 * sampler's own requests must not become a load the figures then show.
 */
export async function sampleMaxLag(): Promise<{ stop(): Promise<Counts> }> {
  kafka ??= createKafka(
    kafkaClientOptions(loadKafkaConfig('pnpm bench', bootstrapServers), {
      clientId: 'akaso-bench',
      logLevel: 'nothing',
    }),
  );
  const admin = kafka.admin();
  await admin.connect();
  const maxLag: Counts = {};
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      try {
        for (const [g, lag] of Object.entries(await lagByGroup(admin)))
          maxLag[g] = Math.max(maxLag[g] ?? 0, lag);
      } catch {
        // A leader election in progress (NOT_LEADER): skip this sample, take the next.
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      await admin.disconnect();
      return maxLag;
    },
  };
}
