import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, describeGroupMembers, type GroupMember, type Kafka } from '@akaso/kafka';
import { type FunnelCounts, funnelCounts, funnelPoint, funnelStages, pushPoint } from './funnel.ts';
import { computeLag, totalLag } from './lag.ts';
import { parsePrometheus, type Sample, sumSamples } from './prometheus.ts';
import { detectRebalances, type GroupView, newRebalanceTracker, type RebalanceEvent } from './rebalances.ts';
import type { BrokerView, GroupViewBody, Snapshot, TargetView, TopicView } from './snapshot.ts';

export interface CollectorOptions {
  kafka: Kafka;
  /** host:port of every broker the cluster should have (KAFKA_BROKERS). */
  configuredBrokers: string[];
  /** Base URLs of the service instances; their /metrics are read. */
  serviceUrls: string[];
  /** The pipeline's groups are always shown; other groups only while they have members. */
  pipelineGroups: string[];
  intervalMs: number;
  logger: { warn(obj: object, msg?: string): void };
  fetchMetrics?: (url: string) => Promise<string>;
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

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function defaultFetchMetrics(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/**
 * Polls the real cluster and the services' metrics into a snapshot. Each part is read on its
 * own: a broker that is down or a service that does not answer leaves a gap and an entry in
 * `errors`, never a made-up number.
 */
export function createCollector(opts: CollectorOptions): Collector {
  const fetchMetrics = opts.fetchMetrics ?? defaultFetchMetrics;
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

  async function readCluster(a: Admin, errors: string[]) {
    try {
      const cluster = await a.describeCluster();
      const up = new Map(cluster.brokers.map((b) => [`${b.host}:${b.port}`, b.nodeId]));
      for (const [address, id] of up) knownIds.set(address, id);
      const addresses = [...new Set([...opts.configuredBrokers, ...up.keys(), ...knownIds.keys()])];
      const brokers: BrokerView[] = addresses.map((address) => {
        const nodeId = up.get(address) ?? knownIds.get(address) ?? null;
        return {
          nodeId,
          address,
          configured: opts.configuredBrokers.includes(address),
          up: up.has(address),
          controller: nodeId !== null && nodeId === cluster.controller,
          leaderOf: 0,
        };
      });
      brokers.sort((x, y) => (x.nodeId ?? 1e9) - (y.nodeId ?? 1e9) || x.address.localeCompare(y.address));
      return { clusterId: cluster.clusterId, controllerId: cluster.controller, brokers };
    } catch (err) {
      errors.push(`cluster metadata: ${errorText(err)}`);
      return null;
    }
  }

  async function readTopics(a: Admin, errors: string[]): Promise<TopicView[]> {
    let names: string[];
    try {
      names = (await a.listTopics()).filter((t) => !t.startsWith('__')).sort();
    } catch (err) {
      errors.push(`topics: ${errorText(err)}`);
      return [];
    }
    let metadata: Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'] = [];
    try {
      metadata = (await a.fetchTopicMetadata({ topics: names })).topics;
    } catch (err) {
      errors.push(`topic metadata: ${errorText(err)}`);
    }
    const offsets = await Promise.all(
      names.map((t) =>
        a.fetchTopicOffsets(t).catch((err: unknown) => {
          errors.push(`end offsets of ${t}: ${errorText(err)}`);
          return null;
        }),
      ),
    );
    return names.map((name, i) => {
      const meta = metadata.find((m) => m.name === name);
      const bounds = new Map((offsets[i] ?? []).map((o) => [o.partition, o]));
      const partitions = (meta?.partitions ?? [])
        .map((p) => {
          const b = bounds.get(p.partitionId);
          return {
            partition: p.partitionId,
            leader: p.leader,
            replicas: [...p.replicas].sort((x, y) => x - y),
            isr: [...p.isr].sort((x, y) => x - y),
            underReplicated: p.isr.length < p.replicas.length,
            startOffset: b ? Number(b.low) : null,
            endOffset: b ? Number(b.high) : null,
          };
        })
        .sort((x, y) => x.partition - y.partition);
      return {
        name,
        dlq: name.endsWith('.dlq'),
        messages: partitions.reduce((sum, p) => sum + (p.endOffset ?? 0), 0),
        underReplicated: partitions.filter((p) => p.underReplicated).length,
        partitions,
      };
    });
  }

  /** null when the groups could not be listed at all (e.g. their coordinator just died). */
  async function readGroups(
    a: Admin,
    topics: TopicView[],
    errors: string[],
  ): Promise<GroupViewBody[] | null> {
    let described: { groupId: string; state: string; members: GroupMember[] }[];
    try {
      const listed = (await a.listGroups()).groups
        .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
        .map((g) => g.groupId);
      const ids = [...new Set([...opts.pipelineGroups, ...listed])];
      // One DescribeGroups per group (a handful): members with their assignments decoded.
      described = await Promise.all(
        ids.map(async (groupId) => ({ groupId, ...(await describeGroupMembers(a, groupId)) })),
      );
    } catch (err) {
      errors.push(`consumer groups (showing the last ones read): ${errorText(err)}`);
      return null;
    }
    const shown = described.filter(
      (g) => (opts.pipelineGroups.includes(g.groupId) && g.state !== 'Dead') || g.members.length > 0,
    );
    const order = (id: string) => {
      const i = opts.pipelineGroups.indexOf(id);
      return i === -1 ? opts.pipelineGroups.length : i;
    };
    shown.sort((x, y) => order(x.groupId) - order(y.groupId) || x.groupId.localeCompare(y.groupId));
    return Promise.all(
      shown.map(async (g) => {
        const owners = new Map<string, string>();
        for (const m of g.members) {
          for (const [topic, parts] of Object.entries(m.assignment)) {
            for (const p of parts) owners.set(`${topic}:${p}`, m.memberId);
          }
        }
        const view: GroupViewBody = {
          groupId: g.groupId,
          state: g.state,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            host: m.host,
            assignment: Object.fromEntries(
              Object.entries(m.assignment).map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]),
            ),
          })),
          partitions: [],
          totalLag: 0,
        };
        try {
          const committed = await a.fetchOffsets({ groupId: g.groupId });
          const groupTopics = new Set([
            ...committed.map((c) => c.topic),
            ...g.members.flatMap((m) => Object.keys(m.assignment)),
          ]);
          for (const topic of [...groupTopics].sort()) {
            const t = topics.find((x) => x.name === topic);
            if (!t) continue;
            const bounds = t.partitions
              .filter((p) => p.endOffset !== null)
              .map((p) => ({
                partition: p.partition,
                low: String(p.startOffset ?? 0),
                high: String(p.endOffset),
              }));
            const lags = computeLag(bounds, committed.find((c) => c.topic === topic)?.partitions ?? []);
            for (const l of lags) {
              view.partitions.push({ topic, ...l, owner: owners.get(`${topic}:${l.partition}`) ?? null });
            }
          }
          view.totalLag = totalLag(view.partitions);
        } catch (err) {
          view.error = `committed offsets: ${errorText(err)}`;
          errors.push(`${g.groupId}: ${view.error}`);
        }
        return view;
      }),
    );
  }

  async function readTargets(errors: string[]) {
    return Promise.all(
      opts.serviceUrls.map(async (url) => {
        let samples: Sample[];
        try {
          samples = parsePrometheus(await fetchMetrics(`${url.replace(/\/$/, '')}/metrics`));
        } catch (err) {
          errors.push(`metrics of ${url}: ${errorText(err)}`);
          const target: TargetView = {
            url,
            service: null,
            up: false,
            error: errorText(err),
            outboxBacklog: null,
            deadLettered: 0,
          };
          return { target, counts: null };
        }
        const service = samples.find((s) => s.labels.service)?.labels.service ?? null;
        const hasBacklog = samples.some((s) => s.name === 'akaso_outbox_backlog');
        const target: TargetView = {
          url,
          service,
          up: true,
          outboxBacklog: hasBacklog ? sumSamples(samples, 'akaso_outbox_backlog') : null,
          deadLettered: sumSamples(samples, 'akaso_dead_lettered_total'),
        };
        return { target, counts: funnelCounts(samples) };
      }),
    );
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
      a ? readCluster(a, errors) : Promise.resolve(null),
      a ? readTopics(a, errors) : Promise.resolve([]),
      readTargets(errors),
    ]);
    const read = a ? await readGroups(a, topics, errors) : null;
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
