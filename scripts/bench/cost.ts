/**
 * The arithmetic of a bench run's cost: counters read before and after it, their differences
 * per accepted order.
 */

export type Counts = Record<string, number>;

/** The three counters at one moment (CPU seconds by process, transactions by database, Kafka requests by API). */
export interface Counters {
  cpu: Counts;
  pg: Counts;
  kafka: Counts;
}

/** Adds up akaso_kafka_requests_total by API from one instance's /metrics text. */
export function addKafkaRequests(into: Counts, metricsText: string): Counts {
  for (const m of metricsText.matchAll(
    /^akaso_kafka_requests_total\{[^}]*api="([^"]+)"[^}]*\} (\d+(?:\.\d+)?)/gm,
  )) {
    into[m[1] as string] = (into[m[1] as string] ?? 0) + Number(m[2]);
  }
  return into;
}

export const diff = (after: Counts, before: Counts): Counts =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

export const sum = (r: Counts) => Object.values(r).reduce((a, b) => a + b, 0);

export const pick = (r: Counts, keep: (k: string) => boolean): Counts =>
  Object.fromEntries(Object.entries(r).filter(([k]) => keep(k)));

/**
 * Each count per order, rounded to 1/100, largest first, zeros left out; `scale` converts units
 * (1000: seconds to milliseconds). null for every key when there were no orders.
 */
export const perOrder = (counts: Counts, orders: number, scale = 1): Record<string, number | null> =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, orders > 0 ? Math.round(((v * scale) / orders) * 100) / 100 : null]),
  );

/** Processes that stand in for third parties (their CPU is a provider's in production). */
export const thirdPartyStandIns = new Set(['mailpit', 'stripe-mock', 'charge-counter']);

/** What a run cost per accepted order, from the counters before and after it. */
export function costPerOrder(before: Counters, after: Counters, orders: number) {
  const cpuByProcess = diff(after.cpu, before.cpu);
  const cpuSeconds = sum(cpuByProcess);
  const pgByDb = diff(after.pg, before.pg);
  const kafkaByApi = diff(after.kafka, before.kafka);
  return {
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    cpuMsPerOrder: orders > 0 ? Math.round((cpuSeconds * 1000 * 100) / orders) / 100 : null,
    // Where it goes: CPU ms per order by process, database transactions and client Kafka
    // requests per order (the brokers' replication fetches between themselves are not counted).
    cpuMsPerOrderByProcess: perOrder(cpuByProcess, orders, 1000),
    cpuMsPerOrderSplit: {
      pipeline:
        perOrder({ v: sum(pick(cpuByProcess, (p) => !thirdPartyStandIns.has(p))) }, orders, 1000).v ?? null,
      thirdPartyStandIns:
        perOrder({ v: sum(pick(cpuByProcess, (p) => thirdPartyStandIns.has(p))) }, orders, 1000).v ?? null,
    },
    pgTransactionsPerOrder: {
      total: perOrder({ total: sum(pgByDb) }, orders).total ?? null,
      ...perOrder(pgByDb, orders),
    },
    kafkaRequestsPerOrder: {
      total: perOrder({ total: sum(kafkaByApi) }, orders).total ?? null,
      ...perOrder(kafkaByApi, orders),
    },
  };
}
