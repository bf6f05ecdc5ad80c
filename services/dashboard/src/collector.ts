import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from '@akaso/kafka';
import { errorText } from './error-text.ts';
import { type FunnelCounts, funnelCounts, funnelPoint, funnelStages, pushPoint } from './funnel.ts';
import { readCluster } from './read-cluster.ts';
import { readGroups } from './read-groups.ts';
import { readTargets } from './read-targets.ts';
import { readTopics } from './read-topics.ts';
import { defaultFetchReadiness, type ReadyzAnswer } from './readiness.ts';
import { detectRebalances, type GroupView, newRebalanceTracker, type RebalanceEvent } from './rebalances.ts';
import type { Snapshot } from './snapshot.ts';

export interface CollectorOptions {
  kafka: Kafka;
  /** host:port of every broker the cluster should have (KAFKA_BROKERS). */
  configuredBrokers: string[];
  /** Base URLs of the service instances; their /metrics and /readyz are read. */
  serviceUrls: string[];
  /** The pipeline's groups are always shown; other groups only while they have members. */
  pipelineGroups: string[];
  intervalMs: number;
  logger: { warn(obj: object, msg?: string): void };
  fetchMetrics?: (url: string) => Promise<string>;
  /** GET /readyz of an instance (status and JSON body); asked in the same poll as /metrics. */
  fetchReadiness?: (url: string) => Promise<ReadyzAnswer>;
  /** Polling stops this long after the last request for a snapshot (nobody is watching). */
  idleAfterMs?: number;
  /** Points of the funnel chart and rebalances kept. */
  keepPoints?: number;
  keepRebalances?: number;
  /** The clock (tests move it on). */
  now?: () => number;
}

export interface Collector {
  /** The latest snapshot; the first call waits for the first poll. */
  snapshot(): Promise<Snapshot>;
  start(): void;
  stop(): Promise<void>;
}

async function defaultFetchMetrics(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/**
 * Polls the real cluster and the services' metrics and readiness into a snapshot. Each part is read on its
 * own: a broker that is down or a service that does not answer leaves a gap and an entry in
 * `errors`, never a made-up number.
 */
export function createCollector(opts: CollectorOptions): Collector {
  const fetchMetrics = opts.fetchMetrics ?? defaultFetchMetrics;
  const fetchReadiness = opts.fetchReadiness ?? defaultFetchReadiness;
  const idleAfterMs = opts.idleAfterMs ?? 30_000;
  const keepPoints = opts.keepPoints ?? 120;
  const keepRebalances = opts.keepRebalances ?? 30;
  const clock = opts.now ?? Date.now;
  const tracker = newRebalanceTracker();
  // Node ids learnt from the metadata, so a broker that went down is still shown by its id.
  const knownIds = new Map<string, number>();
  let rebalances: RebalanceEvent[] = [];
  let points: Snapshot['funnel']['points'] = [];
  let previousCounts = new Map<string, FunnelCounts>();
  let previousAt = 0;
  let admin: Admin | null = null;
  let latest: Snapshot | null = null;
  let lastWanted = 0;
  let stopped = false;
  let loop: Promise<void> | null = null;
  let inFlight: Promise<Snapshot> | null = null;

  async function connectedAdmin(): Promise<Admin> {
    if (admin) return admin;
    const a = opts.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
    await a.connect();
    admin = a;
    return a;
  }

  async function poll(): Promise<Snapshot> {
    const errors: string[] = [];
    const now = new Date(clock());
    let a: Admin | null = null;
    try {
      a = await connectedAdmin();
    } catch (err) {
      errors.push(`kafka: ${errorText(err)}`);
    }
    const [cluster, topics, targets] = await Promise.all([
      a ? readCluster(a, opts.configuredBrokers, knownIds, errors) : Promise.resolve(null),
      a ? readTopics(a, errors) : Promise.resolve([]),
      readTargets({ serviceUrls: opts.serviceUrls, fetchMetrics, fetchReadiness }, errors),
    ]);
    const read = a ? await readGroups(a, topics, opts.pipelineGroups, errors) : null;
    // A failed read keeps the last groups on screen (flagged in errors) rather than blanking the
    // panel for the few seconds a coordinator moves; they take no part in rebalance detection.
    const groups = read ?? latest?.groups ?? [];

    const brokers = cluster?.brokers ?? [];
    const allPartitions = topics.flatMap((t) => t.partitions);
    for (const b of brokers) b.leaderOf = allPartitions.filter((p) => p.leader === b.nodeId).length;

    const groupViews: GroupView[] = groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      members: g.members,
    }));
    if (read) {
      const events = detectRebalances(tracker, groupViews, now);
      rebalances = [...events.reverse(), ...rebalances].slice(0, keepRebalances);
    }

    const counts = new Map<string, FunnelCounts>();
    const totals = funnelCounts([]);
    for (const { target, counts: c } of targets) {
      if (!c) continue;
      counts.set(target.url, c);
      for (const stage of funnelStages) totals[stage] += c[stage];
    }
    if (previousAt > 0) {
      points = pushPoint(
        points,
        funnelPoint(previousCounts, counts, (now.getTime() - previousAt) / 1000, now),
        keepPoints,
      );
    }
    // A target that failed this time keeps its last counts, so its next success is not a spike.
    for (const [url, c] of previousCounts) if (!counts.has(url)) counts.set(url, c);
    previousCounts = counts;
    previousAt = now.getTime();

    const snapshot: Snapshot = {
      at: now.toISOString(),
      intervalMs: opts.intervalMs,
      cluster: {
        clusterId: cluster?.clusterId ?? null,
        controllerId: cluster?.controllerId ?? null,
        brokers,
        partitions: allPartitions.length,
        underReplicated: allPartitions.filter((p) => p.underReplicated).length,
        offline: allPartitions.filter((p) => p.leader < 0).length,
        ...(cluster ? {} : { error: 'cluster metadata unavailable' }),
      },
      topics,
      groups,
      rebalances,
      funnel: { totals, points },
      outbox: {
        backlog: targets.reduce((sum, t) => sum + (t.target.outboxBacklog ?? 0), 0),
        targets: targets.map((t) => t.target),
      },
      dlq: topics.filter((t) => t.dlq).map((t) => ({ topic: t.name, messages: t.messages })),
      errors,
    };
    return snapshot;
  }

  function pollOnce(): Promise<Snapshot> {
    inFlight ??= poll()
      .then((s) => {
        latest = s;
        return s;
      })
      .catch((err: unknown) => {
        opts.logger.warn({ err: errorText(err) }, 'dashboard poll failed');
        throw err;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  async function run() {
    while (!stopped) {
      const started = clock();
      if (started - lastWanted < idleAfterMs) await pollOnce().catch(() => {});
      await sleep(Math.max(50, opts.intervalMs - (clock() - started)));
    }
  }

  return {
    async snapshot() {
      lastWanted = clock();
      // After an idle spell the last snapshot is old: wait for a fresh one rather than show it.
      if (!latest || lastWanted - Date.parse(latest.at) > 3 * opts.intervalMs) return pollOnce();
      return latest;
    },
    start() {
      loop ??= run();
    },
    async stop() {
      stopped = true;
      await loop;
      await inFlight?.catch(() => {});
      await admin?.disconnect();
    },
  };
}
