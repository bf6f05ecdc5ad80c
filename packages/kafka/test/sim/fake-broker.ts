import type { Owner, Scheduler } from './scheduler.ts';

/** An error shaped like kafkajs' (its name, protocol type and retriable flag are what callers read). */
export class FakeKafkaError extends Error {
  readonly type: string;
  readonly retriable: boolean;
  constructor(name: string, type: string, retriable: boolean) {
    super(`${type} (simulated)`);
    this.name = name;
    this.type = type;
    this.retriable = retriable;
  }
}

export const protocolError = (type: string, retriable: boolean) =>
  new FakeKafkaError('KafkaJSProtocolError', type, retriable);

export interface StoredMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | Buffer>;
  timestamp: string;
  attributes: number;
  size: number;
}

export interface PartitionData {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: StoredMessage[];
}

export interface FetchRequest {
  partitions: { topic: string; partition: number; fetchOffset: bigint }[];
  maxWaitTime: number;
  minBytes: number;
  /** Messages per partition in one answer (kafkajs' maxBytesPerPartition, in messages). */
  maxMessages: number;
}

export interface JoinResult {
  memberId: string;
  generation: number;
  assignment: { topic: string; partition: number }[];
}

interface Member {
  id: string;
  owner: Owner;
  topics: string[];
  /** Waiting in the current rebalance, with its answer. */
  waiting: ((r: JoinResult) => void) | null;
  /** Its pending join fails (the member was removed meanwhile). */
  refuse: ((e: Error) => void) | null;
  expiry: unknown;
}

interface FetchWaiter {
  req: FetchRequest;
  resolve(data: PartitionData[]): void;
  timer: unknown;
}

/** Failures switched on and off by the schedule; null = healthy. */
export interface BrokerFaults {
  commit: (() => Error) | null;
  heartbeat: (() => Error) | null;
  produce: (() => Error) | null;
}

export const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * The cluster as one consumer group sees it: partition logs spread over a few nodes (the
 * leaders kafkajs fetches from), one group coordinator with the eager rebalance protocol
 * (members rejoin, the generation moves only when every member has rejoined, a member not heard
 * from for its session timeout is removed), committed offsets, fetches held at the
 * broker up to maxWaitTime unless minBytes are there, and the dead-letter topics.
 */
export class FakeBroker {
  readonly logs = new Map<string, StoredMessage[][]>();
  readonly committed = new Map<string, bigint>();
  readonly faults: BrokerFaults = { commit: null, heartbeat: null, produce: null };
  generation = 0;
  state: 'stable' | 'preparing' = 'stable';
  readonly members = new Map<string, Member>();
  /** Commits that moved a partition's committed offset back (Kafka allows it; see invariant (h)). */
  readonly regressions: string[] = [];
  /** Called when a message is appended (the effect model watches the dead-letter topics). */
  onAppend: (topic: string, partition: number, m: StoredMessage) => void = () => {};
  private nextMember = 1;
  private waiters = new Set<FetchWaiter>();
  private rebalanceTimer: unknown = null;

  readonly nodes: number;
  private readonly sched: Scheduler;
  private readonly opts: {
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    assignor: 'range' | 'round-robin';
  };

  constructor(sched: Scheduler, nodes: number, opts: FakeBroker['opts']) {
    this.sched = sched;
    this.nodes = nodes;
    this.opts = opts;
  }

  createTopic(topic: string, partitions: number): void {
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  partitionsOf(topic: string): number {
    return this.logs.get(topic)?.length ?? 0;
  }

  leaderOf(_topic: string, partition: number): number {
    return partition % this.nodes;
  }

  end(topic: string, partition: number): bigint {
    return BigInt(this.logs.get(topic)?.[partition]?.length ?? 0);
  }

  append(
    topic: string,
    partition: number,
    m: Omit<StoredMessage, 'offset' | 'timestamp' | 'attributes' | 'size'>,
  ): StoredMessage {
    const log = this.logs.get(topic)?.[partition];
    if (!log) throw new Error(`no partition ${topic}/${partition}`);
    const stored: StoredMessage = {
      ...m,
      offset: String(log.length),
      timestamp: String(this.sched.now),
      attributes: 0,
      size: 64 + (m.value?.length ?? 0),
    };
    log.push(stored);
    this.onAppend(topic, partition, stored);
    for (const w of [...this.waiters]) {
      if (w.req.partitions.some((p) => p.topic === topic && p.partition === partition))
        this.tryAnswer(w, false);
    }
    return stored;
  }

  /** The dead-letter producer's write (acks=all: once this returns, the message is durable). */
  produce(
    topic: string,
    messages: {
      key?: Buffer | string | null;
      value: Buffer | string | null;
      headers?: Record<string, unknown>;
    }[],
  ): void {
    if (this.faults.produce) throw this.faults.produce();
    if (!this.logs.has(topic)) this.createTopic(topic, 1);
    for (const m of messages) {
      const headers: Record<string, string | Buffer> = {};
      for (const [k, v] of Object.entries(m.headers ?? {})) {
        if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v : String(v);
      }
      this.append(topic, 0, {
        key: m.key == null ? null : Buffer.from(m.key),
        value: m.value == null ? null : Buffer.from(m.value),
        headers,
      });
    }
  }

  // --- the group coordinator ---

  join(memberId: string | null, owner: Owner, topics: string[]): Promise<JoinResult> {
    let member: Member | undefined;
    if (memberId !== null) {
      member = this.members.get(memberId);
      if (!member) throw protocolError('UNKNOWN_MEMBER_ID', false);
    } else {
      member = {
        id: `member-${this.nextMember++}`,
        owner,
        topics,
        waiting: null,
        refuse: null,
        expiry: null,
      };
      this.members.set(member.id, member);
    }
    const m = member;
    this.touch(m);
    return new Promise<JoinResult>((resolve, reject) => {
      m.waiting = resolve;
      m.refuse = reject;
      this.prepare();
      this.tryComplete();
    });
  }

  leave(memberId: string | null): void {
    if (memberId === null || !this.members.has(memberId)) return;
    this.remove(memberId);
  }

  heartbeat(memberId: string | null, generation: number): void {
    if (this.faults.heartbeat) throw this.faults.heartbeat();
    const m = memberId === null ? undefined : this.members.get(memberId);
    if (!m) throw protocolError('UNKNOWN_MEMBER_ID', false);
    this.touch(m);
    if (this.state === 'preparing') throw protocolError('REBALANCE_IN_PROGRESS', false);
    if (generation !== this.generation) throw protocolError('ILLEGAL_GENERATION', false);
  }

  commit(
    memberId: string | null,
    generation: number,
    offsets: { topic: string; partition: number; offset: string }[],
  ): void {
    if (this.faults.commit) throw this.faults.commit();
    const m = memberId === null ? undefined : this.members.get(memberId);
    if (!m) throw protocolError('UNKNOWN_MEMBER_ID', false);
    this.touch(m);
    // Kafka takes commits of the current generation while members rejoin (a consumer commits
    // what it finished before giving its partitions up), and refuses an older generation's.
    if (generation !== this.generation) throw protocolError('ILLEGAL_GENERATION', false);
    for (const o of offsets) {
      const key = tpKey(o.topic, o.partition);
      const offset = BigInt(o.offset);
      const before = this.committed.get(key) ?? 0n;
      if (offset < before)
        this.regressions.push(`${key} from ${before} to ${offset} by ${memberId} (generation ${generation})`);
      this.committed.set(key, offset);
    }
  }

  committedOffsets(tps: { topic: string; partition: number }[]): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const { topic, partition } of tps)
      out.set(tpKey(topic, partition), this.committed.get(tpKey(topic, partition)) ?? 0n);
    return out;
  }

  /** The coordinator drops a live member (its session expired, e.g. a long GC pause). */
  kick(memberId: string | null): void {
    if (memberId !== null && this.members.has(memberId)) this.remove(memberId);
  }

  // --- fetches ---

  fetch(req: FetchRequest): Promise<PartitionData[]> {
    return new Promise((resolve) => {
      const w: FetchWaiter = { req, resolve, timer: null };
      if (this.tryAnswer(w, false)) return;
      this.waiters.add(w);
      w.timer = this.sched.at(req.maxWaitTime, 'fetch wait over', () => this.tryAnswer(w, true));
    });
  }

  private tryAnswer(w: FetchWaiter, timeUp: boolean): boolean {
    let bytes = 0;
    const data: PartitionData[] = [];
    for (const p of w.req.partitions) {
      const log = this.logs.get(p.topic)?.[p.partition] ?? [];
      const from = Number(p.fetchOffset);
      const messages = log.slice(from, from + w.req.maxMessages);
      for (const m of messages) bytes += m.size;
      data.push({ topic: p.topic, partition: p.partition, highWatermark: String(log.length), messages });
    }
    if (!timeUp && bytes < w.req.minBytes) return false;
    this.waiters.delete(w);
    this.sched.cancel(w.timer);
    w.resolve(data);
    return true;
  }

  // --- rebalances ---

  /**
   * The member was heard from (a join, a heartbeat, a commit): its session runs again from now.
   * One that stays silent for a session timeout (a crashed process, or a live one that stopped
   * heartbeating) is removed, and the group rebalances without it.
   */
  private touch(m: Member) {
    this.sched.cancel(m.expiry);
    m.expiry = this.sched.at(this.opts.sessionTimeoutMs, `session of ${m.id} expired`, () => {
      // A member waiting in a rebalance is bound by the rebalance timeout instead.
      if (m.waiting) this.touch(m);
      else this.remove(m.id);
    });
  }

  private remove(memberId: string) {
    const m = this.members.get(memberId);
    if (!m) return;
    this.sched.cancel(m.expiry);
    this.members.delete(memberId);
    m.refuse?.(protocolError('UNKNOWN_MEMBER_ID', false));
    m.waiting = m.refuse = null;
    if (this.members.size === 0) {
      this.state = 'stable';
      this.generation++;
      this.sched.cancel(this.rebalanceTimer);
      return;
    }
    this.prepare();
    this.tryComplete();
  }

  private prepare() {
    if (this.state === 'preparing') return;
    this.state = 'preparing';
    this.rebalanceTimer = this.sched.at(this.opts.rebalanceTimeoutMs, 'rebalance timeout', () => {
      for (const m of [...this.members.values()]) {
        if (m.waiting) continue;
        this.sched.cancel(m.expiry);
        this.members.delete(m.id);
      }
      this.tryComplete();
    });
  }

  private tryComplete() {
    if (this.state !== 'preparing') return;
    const all = [...this.members.values()];
    if (all.length === 0 || all.some((m) => !m.waiting)) return;
    this.sched.cancel(this.rebalanceTimer);
    this.state = 'stable';
    this.generation++;
    const assignment = this.assign(all);
    for (const m of all) {
      const resolve = m.waiting as (r: JoinResult) => void;
      m.waiting = m.refuse = null;
      this.touch(m);
      resolve({ memberId: m.id, generation: this.generation, assignment: assignment.get(m.id) ?? [] });
    }
  }

  private assign(members: Member[]): Map<string, { topic: string; partition: number }[]> {
    const out = new Map<string, { topic: string; partition: number }[]>(members.map((m) => [m.id, []]));
    const ids = members.map((m) => m.id).sort();
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    if (this.opts.assignor === 'round-robin') {
      let i = 0;
      for (const topic of topics)
        for (let p = 0; p < this.partitionsOf(topic); p++)
          out.get(ids[i++ % ids.length] as string)?.push({ topic, partition: p });
      return out;
    }
    for (const topic of topics) {
      const n = this.partitionsOf(topic);
      const per = Math.floor(n / ids.length);
      const extra = n % ids.length;
      let p = 0;
      ids.forEach((id, i) => {
        const count = per + (i < extra ? 1 : 0);
        for (let k = 0; k < count; k++) out.get(id)?.push({ topic, partition: p++ });
      });
    }
    return out;
  }
}
