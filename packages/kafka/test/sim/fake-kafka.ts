import { type FakeBroker, FakeKafkaError, type PartitionData, tpKey } from './fake-broker.ts';
import type { Rng } from './prng.ts';
import type { Owner, Scheduler } from './scheduler.ts';

/** What a fake client needs: the broker, the scheduler, its process and a source of randomness. */
export interface FakeClientDeps {
  broker: FakeBroker;
  sched: Scheduler;
  owner: Owner;
  rng: Rng;
  /** Most messages of one partition in one fetch answer (drawn per fetch from 1..this). */
  maxMessagesPerFetch: number;
  /** A use of the client that breaks the delivery contract (the simulation reports it). */
  misuse(what: string): void;
  /** kafkajs gave up on a commit (after its own retries): the offsets the runner asked for. */
  onCommitFailed(offsets: { topic: string; partition: number; offset: string }[]): void;
}

interface ConsumerConfig {
  groupId: string;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  minBytes?: number;
  maxWaitTimeInMs?: number;
  fetchWait?: (nodeId: number) => { maxWaitTime: number; minBytes: number } | null;
}

// biome-ignore lint/suspicious/noExplicitAny: kafkajs' eachBatch payload, as the runner reads it
type EachBatch = (payload: any) => Promise<void>;

interface RunOptions {
  eachBatch: EachBatch;
  partitionsConsumedConcurrently?: number;
  autoCommit?: boolean;
  eachBatchAutoResolve?: boolean;
}

const isRebalancing = (e: unknown) => {
  const type = (e as { type?: unknown }).type;
  return (
    type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION'
  );
};

/** kafkajs' retrier: 300 ms doubling, ±20 %. */
const retryDelay = (rng: Rng, attempt: number) => Math.round(300 * 2 ** attempt * (0.8 + 0.4 * rng.next()));

/**
 * The part of kafkajs the consumer runner uses, modelled on kafkajs 2.2.4's runner, fetch manager
 * and consumer group: one fetcher per node, each fetching its partitions from the resolved
 * offsets (the committed ones after a join) and waiting until every batch of its answer went
 * through eachBatch, with at most partitionsConsumedConcurrently eachBatch calls at once across
 * fetchers; a heartbeat after each batch and after an empty fetch; a rebalance error stops the
 * fetchers (their batches finish) and rejoins; an eachBatch that throws is retried from the
 * resolved offsets and, after five failures, crashes and restarts the consumer as a new member.
 */
export class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;
  memberId: string | null = null;
  generation = -1;
  assignment: { topic: string; partition: number }[] = [];
  private topics: string[] = [];
  private listeners = new Map<string, ((e: unknown) => void)[]>();
  private running = false;
  private fetching = false;
  private loopDone: Promise<void> = Promise.resolve();
  private resolved = new Map<string, bigint>();
  /** kafkajs' pending seeks: kept across rebalances, applied at the partition's next fetch. */
  private seeks = new Map<string, bigint>();
  private committed: Map<string, bigint> | null = null;
  private lastHeartbeat = Number.NEGATIVE_INFINITY;
  private heartbeatInFlight: Promise<void> | null = null;
  private run$: RunOptions | null = null;
  private queue: { batch: PartitionData; resolve(): void; reject(e: unknown): void }[] = [];
  private workers = 0;

  private readonly config: ConsumerConfig;
  private readonly d: FakeClientDeps;

  constructor(config: ConsumerConfig, d: FakeClientDeps) {
    this.config = config;
    this.d = d;
  }

  on(event: string, listener: (e: unknown) => void): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return () => list.splice(list.indexOf(listener), 1);
  }

  async connect(): Promise<void> {
    await this.call('connect', () => undefined);
  }

  async subscribe({ topics }: { topics: string[] }): Promise<void> {
    this.topics = [...topics];
  }

  async run(opts: RunOptions): Promise<void> {
    this.run$ = opts;
    this.running = true;
    const joined = this.joinAndSync();
    // A stop during the first join waits for it, so it leaves as the member it became.
    this.loopDone = joined.then(() => this.loop());
    await joined;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.fetching = false;
    await this.loopDone;
    const id = this.memberId;
    this.memberId = null;
    await this.call('leave', () => this.d.broker.leave(id)).catch(() => {});
  }

  async disconnect(): Promise<void> {
    await this.stop();
  }

  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    // kafkajs' runner: a consumer that is not running commits nothing, and says nothing.
    if (!this.running) return;
    for (let attempt = 0; ; attempt++) {
      try {
        // Each attempt goes with the generation the member has by then, as kafkajs' does.
        const { memberId, generation } = this;
        const label = `commit ${offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ')} (${memberId} gen ${generation})`;
        await this.call(label, () => this.d.broker.commit(memberId, generation, offsets));
        return;
      } catch (e) {
        if (!this.running) return;
        if ((e as { retriable?: unknown }).retriable === false || attempt >= 5) {
          this.d.onCommitFailed(offsets);
          throw e;
        }
        await this.sleep(retryDelay(this.d.rng, attempt), 'commit retry');
      }
    }
  }

  /** The next fetch of the partition starts at `offset`; answers in flight for it are dropped. */
  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }): void {
    if (!this.run$) throw new FakeKafkaError('KafkaJSNonRetriableError', 'NOT_RUNNING', false);
    this.d.sched.note(() => `${this.d.owner.name} seek ${topic}/${partition}@${offset}`);
    this.seeks.set(tpKey(topic, partition), BigInt(offset));
  }

  private async commitOnce(offsets: {
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void> {
    const flat = offsets.topics.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => ({ topic, partition, offset: String(offset) })),
    );
    const { memberId, generation } = this;
    const label = `commit once ${flat.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ')} (${memberId} gen ${generation})`;
    try {
      await this.call(label, () => this.d.broker.commit(memberId, generation, flat));
    } catch (e) {
      this.d.onCommitFailed(flat);
      throw e;
    }
  }

  /** kafkajs' heartbeat: at most one per interval, one in flight, the group's answer thrown. */
  heartbeat(): Promise<void> {
    const interval = this.config.heartbeatInterval ?? 3_000;
    if (this.memberId === null || this.d.sched.now < this.lastHeartbeat + interval) return Promise.resolve();
    if (this.heartbeatInFlight) return this.heartbeatInFlight;
    const { memberId, generation } = this;
    this.heartbeatInFlight = this.call('heartbeat', () => this.d.broker.heartbeat(memberId, generation))
      .then(() => {
        this.lastHeartbeat = this.d.sched.now;
      })
      .finally(() => {
        this.heartbeatInFlight = null;
      });
    return this.heartbeatInFlight;
  }

  private emit(event: string, payload: object) {
    for (const l of this.listeners.get(event) ?? [])
      l({ id: 0, type: event, timestamp: this.d.sched.now, payload });
  }

  /** A request and its answer, each after a network delay; a dead process gets no answer. */
  private async call<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
    const { sched, owner } = this.d;
    await sched.sleep(this.latency(), owner, `${owner.name} ${label} sent`);
    let result: T | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await fn();
    } catch (e) {
      failed = true;
      error = e;
    }
    await sched.sleep(
      this.latency(),
      owner,
      () => `${owner.name} ${label} ${failed ? `failed: ${(error as Error).message}` : 'answered'}`,
    );
    if (failed) throw error;
    return result as T;
  }

  private latency(): number {
    const r = this.d.rng.next();
    return r < 0.7 ? this.d.rng.int(0, 1) : r < 0.95 ? this.d.rng.int(1, 5) : this.d.rng.int(5, 50);
  }

  private sleep(ms: number, label: string): Promise<void> {
    return this.d.sched.sleep(ms, this.d.owner, `${this.d.owner.name} ${label}`);
  }

  private async joinAndSync(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const memberId = this.memberId;
        const r = await this.call('join', () => this.d.broker.join(memberId, this.d.owner, this.topics));
        this.memberId = r.memberId;
        this.generation = r.generation;
        this.assignment = r.assignment;
        this.resolved = new Map();
        this.committed = null;
        this.lastHeartbeat = this.d.sched.now;
        const memberAssignment: Record<string, number[]> = {};
        for (const { topic, partition } of r.assignment) {
          memberAssignment[topic] = [...(memberAssignment[topic] ?? []), partition];
        }
        this.emit(this.events.GROUP_JOIN, {
          groupId: this.config.groupId,
          memberId: r.memberId,
          memberAssignment,
        });
        return;
      } catch (e) {
        if ((e as { type?: unknown }).type === 'UNKNOWN_MEMBER_ID') this.memberId = null;
        await this.sleep(retryDelay(this.d.rng, Math.min(attempt, 4)), 'join retry');
      }
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.fetchAll();
      } catch (e) {
        if (!this.running) break;
        // A rejoin starts kafkajs' retrier afresh.
        if (isRebalancing(e)) {
          failures = 0;
          await this.joinAndSync();
          continue;
        }
        if ((e as { type?: unknown }).type === 'UNKNOWN_MEMBER_ID') {
          failures = 0;
          this.memberId = null;
          await this.joinAndSync();
          continue;
        }
        failures++;
        if (failures > 5) {
          // kafkajs crashes, and restarts a consumer whose error is retriable: as a new member,
          // from the committed offsets.
          failures = 0;
          this.emit(this.events.CRASH, { error: e, groupId: this.config.groupId, restart: true });
          const id = this.memberId;
          this.memberId = null;
          await this.call('leave', () => this.d.broker.leave(id)).catch(() => {});
          await this.sleep(retryDelay(this.d.rng, 1), 'restart');
          if (!this.running) break;
          await this.joinAndSync();
          continue;
        }
        await this.sleep(retryDelay(this.d.rng, failures - 1), 'fetch retry');
      }
    }
  }

  private async fetchAll(): Promise<void> {
    this.fetching = true;
    const runs = Array.from({ length: this.d.broker.nodes }, (_, node) => this.fetcher(node));
    try {
      await Promise.all(runs);
    } catch (e) {
      this.fetching = false;
      await Promise.allSettled(runs);
      throw e;
    }
  }

  private async fetcher(node: number): Promise<void> {
    while (this.fetching && this.running) {
      const batches = await this.fetch(node);
      if (this.fetching && this.running && batches.length > 0) await this.push(batches);
    }
  }

  private async fetch(node: number): Promise<PartitionData[]> {
    if (!this.running) return [];
    const { broker } = this.d;
    const mine = this.assignment.filter((tp) => broker.leaderOf(tp.topic, tp.partition) === node);
    if (mine.length === 0) {
      await this.sleep(this.config.maxWaitTimeInMs ?? 5_000, `fetcher ${node} idle`);
      await this.heartbeat();
      return [];
    }
    if (!this.committed) {
      const tps = this.assignment;
      this.committed = await this.call('offset fetch', () => broker.committedOffsets(tps));
    }
    const committed = this.committed;
    for (const tp of mine) {
      const key = tpKey(tp.topic, tp.partition);
      const to = this.seeks.get(key);
      if (to === undefined) continue;
      this.seeks.delete(key);
      this.resolved.set(key, to);
    }
    const wait = this.config.fetchWait?.(node) ?? null;
    const req = {
      partitions: mine.map((tp) => {
        const key = tpKey(tp.topic, tp.partition);
        return { ...tp, fetchOffset: this.resolved.get(key) ?? committed.get(key) ?? 0n };
      }),
      maxWaitTime: wait ? wait.maxWaitTime : (this.config.maxWaitTimeInMs ?? 5_000),
      minBytes: wait ? wait.minBytes : (this.config.minBytes ?? 1),
      maxMessages: this.d.rng.int(1, this.d.maxMessagesPerFetch),
    };
    const data = await this.call(`fetch n${node}`, () => broker.fetch(req));
    const batches = data.filter((b) => b.messages.length > 0 && !this.seeks.has(tpKey(b.topic, b.partition)));
    if (batches.length === 0) await this.heartbeat();
    return batches;
  }

  /** kafkajs' worker queue: the batches of one answer, at most `concurrency` at once overall. */
  private async push(batches: PartitionData[]): Promise<void> {
    const done = batches.map(
      (batch) => new Promise<void>((resolve, reject) => this.queue.push({ batch, resolve, reject })),
    );
    const concurrency = this.run$?.partitionsConsumedConcurrently ?? 1;
    while (this.workers < concurrency && this.queue.length > 0) void this.worker();
    const results = await Promise.allSettled(done);
    const rejected = results.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  private async worker(): Promise<void> {
    this.workers++;
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      try {
        await this.handleBatch(item.batch);
        item.resolve();
      } catch (e) {
        item.reject(e);
      }
    }
    this.workers--;
  }

  private async handleBatch(data: PartitionData): Promise<void> {
    if (!this.running || !this.run$) return;
    const { topic, partition, messages, highWatermark } = data;
    const last = () => (messages.at(-1) as { offset: string }).offset;
    const key = tpKey(topic, partition);
    await this.run$.eachBatch({
      batch: {
        topic,
        partition,
        highWatermark,
        messages,
        isEmpty: () => messages.length === 0,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: last,
        offsetLag: () => String(BigInt(highWatermark) - 1n - BigInt(last())),
        offsetLagLow: () => String(BigInt(highWatermark) - 1n - BigInt(messages[0]?.offset ?? 0)),
      },
      resolveOffset: (offset: string) => {
        this.resolved.set(key, BigInt(offset) + 1n);
      },
      heartbeat: () => this.heartbeat(),
      pause: () => () => {},
      // With offsets: one commit request in the current generation, no retries (kafkajs'
      // consumerGroup.commitOffsets). Without: auto-commit's check, nothing when it is off.
      commitOffsetsIfNecessary: (offsets?: {
        topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
      }) => (offsets ? this.commitOnce(offsets) : Promise.resolve()),
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => this.running,
      isStale: () => this.seeks.has(key),
    });
    await this.heartbeat();
  }
}

/** The dead-letter producer: a send is acknowledged once the broker has the message. */
export class FakeProducer {
  private readonly d: FakeClientDeps;
  constructor(d: FakeClientDeps) {
    this.d = d;
  }
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(record: {
    topic: string;
    acks?: number;
    messages: {
      key?: Buffer | string | null;
      value: Buffer | string | null;
      headers?: Record<string, unknown>;
    }[];
  }): Promise<unknown[]> {
    const { sched, owner, broker, rng } = this.d;
    // A dead letter stands in for its message once its offset is committed: every replica has it.
    if (record.acks !== -1)
      this.d.misuse(`(a) a dead letter sent with acks=${record.acks ?? 'default'}, not all`);
    await sched.sleep(rng.int(0, 3), owner, `${owner.name} dlq send`);
    let error: unknown = null;
    try {
      broker.produce(record.topic, record.messages);
    } catch (e) {
      error = e;
    }
    await sched.sleep(
      rng.int(0, 3),
      owner,
      () => `${owner.name} dlq send ${error ? `failed: ${(error as Error).message}` : 'acknowledged'}`,
    );
    if (error) throw error;
    return [];
  }
}

/** `new Kafka(...)` as the runner sees it: consumers and producers of one process. */
export function createFakeKafka(d: FakeClientDeps) {
  return {
    consumer: (config: ConsumerConfig) => new FakeConsumer(config, d),
    producer: () => new FakeProducer(d),
  };
}

export { FakeKafkaError };
