import { headers as h } from '@akaso/contracts';
import type { Kafka, Producer } from 'kafkajs';
import type { ConsumerRunner, ConsumerRunnerOptions } from '../../src/consumer-options.ts';
import type { BatchHandler, Logger } from '../../src/delivery.ts';
import { EffectModel, type MessageKind, UNKNOWN_CODE } from './effects.ts';
import { FakeBroker, FakeKafkaError, protocolError, tpKey } from './fake-broker.ts';
import { createFakeKafka, type FakeConsumer } from './fake-kafka.ts';
import { installLegacyClock } from './legacy-clock.ts';
import { createRng } from './prng.ts';
import type { Scenario } from './scenario.ts';
import { type Owner, Scheduler } from './scheduler.ts';

/** Once faults stop, every partition's committed offset reaches its log end within this much virtual time. */
export const PROGRESS_BOUND_MS = 60_000;
const STOP_BOUND_MS = 30_000;
const MAX_STEPS = 200_000;
const EPOCH = 1_800_000_000_000;

export interface SimDeps {
  createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner;
  /** The runner reads the process clock (a version from before the Clock option). */
  legacyClock?: boolean;
}

export interface ScheduleResult {
  seed: number;
  violation: string | null;
  steps: number;
  virtualMs: number;
  /** The step list, when recorded. */
  trace: string[] | null;
}

interface Proc {
  owner: Owner;
  runner: ConsumerRunner;
  consumer: FakeConsumer;
  state: 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';
}

const noopLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * Runs one schedule: the real consumer runner, as many instances as the schedule starts, against
 * the fake broker, every step ordered by the scheduler. The invariants are checked after every
 * step; the result carries the first violation (null when none).
 */
export async function runSchedule(
  scenario: Scenario,
  deps: SimDeps,
  opts: { record?: boolean } = {},
): Promise<ScheduleResult> {
  const rng = createRng(scenario.seed ^ 0x5eed);
  const sched = new Scheduler(EPOCH, opts.record === true);
  const broker = new FakeBroker(sched, scenario.nodes, {
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    assignor: scenario.assignor,
  });
  const model = new EffectModel();
  const failedCommits: { topic: string; partition: number; offset: bigint }[] = [];
  const procs: Proc[] = [];
  const windows = { slow: 0, transient: 0, unknown: 0, ackLost: 0 };
  let protocolViolation: string | null = null;
  // The backoff jitter draws from Math.random: a seed decides it too.
  const random = Math.random;
  Math.random = rng.fork().next;
  const undoClock = deps.legacyClock ? installLegacyClock(sched.clock(null)) : () => {};
  const restore = () => {
    undoClock();
    Math.random = random;
  };

  for (const t of scenario.topics) broker.createTopic(t.name, t.partitions);
  broker.onAppend = (topic, _partition, m) => {
    if (!topic.endsWith('.dlq')) return;
    const get = (k: string) => String(m.headers[k] ?? '');
    model.deadLetter(
      get(h.dlqOriginTopic),
      Number(get(h.dlqOriginPartition)),
      Number(get(h.dlqOriginOffset)),
      get(h.dlqErrorCode),
    );
  };

  const decode = (_topic: string, value: Buffer | null): unknown => {
    const event = JSON.parse(String(value)) as { eventId: string; kind: MessageKind };
    if (event.kind === 'poison') throw new TypeError(`event ${event.eventId} breaks its contract`);
    return event;
  };

  function handlerFor(owner: Owner): BatchHandler {
    const hr = rng.fork();
    return async (deliveries, ctx) => {
      const ms = windows.slow > 0 ? hr.int(100, 2_500) : hr.int(0, 12);
      if (ms > 1_000) {
        // A long side effect keeps its membership the way the services do (retryWhileTransient):
        // a failing heartbeat is the group's business, not this call's.
        await sched.sleep(ms / 2, owner, `${owner.name} handler working`);
        await ctx.heartbeat().catch(() => {});
        await sched.sleep(ms / 2, owner, `${owner.name} handler working`);
      } else {
        await sched.sleep(ms, owner, `${owner.name} handler working`);
      }
      const events = deliveries.map((d) => d.event as unknown as { eventId: string; kind: MessageKind });
      if (events.some((e) => e.kind === 'bad')) {
        throw Object.assign(new Error('rejected by the handler'), { code: 'SIM_REJECTED', retriable: false });
      }
      // A dependency that is down fails every call until it is back.
      if (windows.transient > 0) {
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET', retriable: true });
      }
      if (windows.unknown > 0 && hr.chance(0.4))
        throw Object.assign(new Error('odd failure'), { code: UNKNOWN_CODE });
      model.apply(
        events.map((e) => e.eventId),
        owner.name,
      );
      if (opts.record) sched.note(`${owner.name} applied ${events.map((e) => e.eventId).join(' ')}`);
      // The transaction committed but its answer was lost: the call fails after the effect.
      if (windows.ackLost > 0 && hr.chance(0.5)) {
        throw Object.assign(new Error('connection lost after commit'), {
          code: 'ECONNRESET',
          retriable: true,
        });
      }
    };
  }

  let procCount = 0;
  let stopAll = false;
  function startProcess(): void {
    const owner: Owner = { name: `p${++procCount}`, dead: false };
    const kafka = createFakeKafka({
      broker,
      sched,
      owner,
      rng: rng.fork(),
      maxMessagesPerFetch: scenario.maxMessagesPerFetch,
      misuse: (what) => {
        protocolViolation ??= what;
      },
      onCommitFailed: (offsets) => {
        for (const o of offsets)
          failedCommits.push({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) });
      },
    });
    const logger: Logger = opts.record
      ? {
          info: (o, m) => sched.note(`${owner.name} info ${m} ${safeJson(o)}`),
          warn: (o, m) => sched.note(`${owner.name} warn ${m} ${safeJson(o)}`),
          error: (o, m) => sched.note(`${owner.name} error ${m} ${safeJson(o)}`),
          debug: () => {},
        }
      : noopLogger;
    const options = {
      kafka: kafka as unknown as Kafka,
      groupId: 'sim',
      topics: scenario.topics.map((t) => t.name),
      handler: handlerFor(owner),
      producer: kafka.producer() as unknown as Producer,
      logger,
      decode,
      lingerMs: scenario.lingerMs,
      maxBatchSize: scenario.maxBatchSize,
      maxInFlight: scenario.maxInFlight,
      partitionsConsumedConcurrently: scenario.partitionsConsumedConcurrently,
      commitIntervalMs: scenario.commitIntervalMs,
      sessionTimeoutMs: 10_000,
      clock: sched.clock(owner),
    } as ConsumerRunnerOptions;
    const runner = deps.createConsumerRunner(options);
    const proc: Proc = {
      owner,
      runner,
      consumer: runner.consumer as unknown as FakeConsumer,
      state: 'starting',
    };
    procs.push(proc);
    sched.note(`${owner.name} starts`);
    runner.start().then(
      () => {
        if (proc.state !== 'starting') return;
        proc.state = 'running';
        if (stopAll) stopProcess(proc);
      },
      (err) => {
        protocolViolation ??= `${owner.name} failed to start: ${(err as Error).message}`;
      },
    );
  }

  // Faults pick among the instances that finished starting (a service stops what it started).
  const live = () => procs.filter((p) => p.state === 'running');
  const alive = () => procs.filter((p) => p.state === 'running' || p.state === 'starting');
  function stopProcess(p: Proc): void {
    p.state = 'stopping';
    sched.note(`${p.owner.name} stops gracefully`);
    p.runner.stop().then(
      () => {
        p.state = 'stopped';
        sched.note(`${p.owner.name} stopped`);
      },
      (err) => {
        protocolViolation ??= `${p.owner.name} failed to stop: ${(err as Error).message}`;
      },
    );
  }

  // The workload: messages keyed to partitions as a producer's partitioner does.
  let serial = 0;
  const roundRobin = new Map<string, number>();
  for (const m of scenario.messages) {
    sched.at(m.at, `produce ${m.topic} ${m.key ?? '(no key)'} ${m.kind}`, () => {
      const partitions = broker.partitionsOf(m.topic);
      let partition: number;
      if (m.key === null) {
        partition = (roundRobin.get(m.topic) ?? 0) % partitions;
        roundRobin.set(m.topic, partition + 1);
      } else {
        partition = hash(m.key) % partitions;
      }
      const eventId = `e${++serial}`;
      const offset = Number(broker.end(m.topic, partition));
      model.produced({ topic: m.topic, partition, offset, key: m.key, eventId, kind: m.kind });
      broker.append(m.topic, partition, {
        key: m.key === null ? null : Buffer.from(m.key),
        value: Buffer.from(JSON.stringify({ eventId, kind: m.kind })),
        headers: {},
      });
    });
  }

  const faultRng = rng.fork();
  const errors = {
    commit: () => new FakeKafkaError('KafkaJSProtocolError', 'REQUEST_TIMED_OUT', true),
    heartbeat: () => new FakeKafkaError('KafkaJSConnectionError', 'CONNECTION_CLOSED', true),
    dlqTransient: () => new FakeKafkaError('KafkaJSConnectionError', 'CONNECTION_CLOSED', true),
    // What kafkajs' send throws once its own retries are spent: not retriable itself, the
    // last failure as its cause.
    dlqForGood: () =>
      Object.assign(new FakeKafkaError('KafkaJSNumberOfRetriesExceeded', 'NOT_ENOUGH_REPLICAS', false), {
        cause: protocolError('NOT_ENOUGH_REPLICAS', true),
      }),
  };
  const window = (from: number, until: number, label: string, on: () => void, off: () => void) => {
    sched.at(from, `${label} begins`, () => {
      on();
      syncFaults();
    });
    sched.at(until, `${label} ends`, () => {
      off();
      syncFaults();
    });
  };
  let commitFails = 0;
  let heartbeatFails = 0;
  let dlqTransient = 0;
  let dlqForGood = 0;
  const syncFaults = () => {
    broker.faults.commit = commitFails > 0 ? errors.commit : null;
    broker.faults.heartbeat = heartbeatFails > 0 ? errors.heartbeat : null;
    broker.faults.produce =
      dlqForGood > 0 ? errors.dlqForGood : dlqTransient > 0 ? errors.dlqTransient : null;
  };
  for (const f of scenario.faults) {
    switch (f.type) {
      case 'join':
        sched.at(f.at, 'a new instance joins', startProcess);
        break;
      case 'leave':
        sched.at(f.at, 'an instance leaves', () => {
          const l = live();
          if (l.length > 0) stopProcess(faultRng.pick(l));
        });
        break;
      case 'crash':
        sched.at(f.at, 'an instance crashes', () => {
          const l = alive();
          if (l.length === 0) return;
          const p = faultRng.pick(l);
          sched.note(`${p.owner.name} crashes (${p.consumer.memberId ?? 'no member id'})`);
          p.owner.dead = true;
          p.state = 'crashed';
          // A restart comes before the faults stop, so what runs after them is settled.
          if (f.restartAfterMs !== null) {
            sched.at(
              Math.min(f.restartAfterMs, scenario.activeMs - sched.elapsed()),
              'the crashed instance restarts',
              startProcess,
            );
          }
        });
        break;
      case 'kick':
        sched.at(f.at, 'the coordinator drops a live member', () => {
          const l = live();
          if (l.length > 0) broker.kick(faultRng.pick(l).consumer.memberId);
        });
        break;
      case 'commit-fail':
        window(
          f.at,
          f.until,
          'commits fail',
          () => void commitFails++,
          () => void commitFails--,
        );
        break;
      case 'heartbeat-fail':
        window(
          f.at,
          f.until,
          'heartbeats fail',
          () => void heartbeatFails++,
          () => void heartbeatFails--,
        );
        break;
      case 'slow-handler':
        window(
          f.at,
          f.until,
          'the handler is slow',
          () => void windows.slow++,
          () => void windows.slow--,
        );
        break;
      case 'handler-fail': {
        const k = f.mode === 'transient' ? 'transient' : f.mode === 'unknown' ? 'unknown' : 'ackLost';
        window(
          f.at,
          f.until,
          `the handler fails (${f.mode})`,
          () => void windows[k]++,
          () => void windows[k]--,
        );
        break;
      }
      case 'dlq-down':
        window(
          f.at,
          f.until,
          `dead-letter publishing fails (${f.mode})`,
          () => void (f.mode === 'for-good' ? dlqForGood++ : dlqTransient++),
          () => void (f.mode === 'for-good' ? dlqForGood-- : dlqTransient--),
        );
        break;
    }
  }
  let quiet = false;
  sched.at(scenario.activeMs, 'faults stop', () => {
    quiet = true;
    commitFails = heartbeatFails = dlqTransient = dlqForGood = 0;
    windows.slow = windows.transient = windows.unknown = windows.ackLost = 0;
    syncFaults();
    if (alive().length === 0) startProcess();
  });

  for (let i = 0; i < scenario.members; i++) startProcess();

  const inputs = scenario.topics.flatMap((t) =>
    Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p })),
  );
  const drained = () =>
    inputs.every(
      ({ topic, partition }) =>
        (broker.committed.get(tpKey(topic, partition)) ?? 0n) === broker.end(topic, partition),
    );

  let violation: string | null = null;
  let stopDeadline: number | null = null;
  try {
    for (;;) {
      const more = await sched.step();
      model.checkCommitted(broker.committed);
      // (h) Committed offsets only move forward: the owner of a generation starts from the
      // committed offset and commits past it; a step back is an older generation's offset.
      const back = broker.regressions[0];
      violation =
        model.violation ?? (back ? `(h) a committed offset moved back: ${back}` : null) ?? protocolViolation;
      if (violation) break;
      const t = sched.elapsed();
      if (stopDeadline !== null) {
        if (procs.every((p) => p.state === 'stopped' || p.state === 'crashed')) break;
        if (t > stopDeadline) {
          violation = `graceful stop did not finish within ${STOP_BOUND_MS} ms`;
          break;
        }
      } else if (quiet && drained()) {
        if (!scenario.stopAtEnd) break;
        stopDeadline = t + STOP_BOUND_MS;
        stopAll = true;
        for (const p of live()) stopProcess(p);
      } else if (quiet && t > scenario.activeMs + PROGRESS_BOUND_MS) {
        violation = progressViolation();
        break;
      }
      if (!more) {
        violation =
          stopDeadline === null
            ? `nothing left to happen at ${t} ms, and the partitions are not drained`
            : `a graceful stop never finishes (nothing left to happen at ${t} ms)`;
        break;
      }
      if (sched.steps > MAX_STEPS) {
        violation = `more than ${MAX_STEPS} steps`;
        break;
      }
    }
  } finally {
    restore();
  }
  return {
    seed: scenario.seed,
    violation,
    steps: sched.steps,
    virtualMs: sched.elapsed(),
    trace: sched.trace,
  };

  function progressViolation(): string {
    for (const f of failedCommits) {
      const c = broker.committed.get(tpKey(f.topic, f.partition)) ?? 0n;
      if (c < f.offset) {
        return `(e) a failed commit of ${f.topic}/${f.partition} at ${f.offset} was never made good: committed ${c} ${PROGRESS_BOUND_MS} ms after the faults stopped`;
      }
    }
    const stuck = inputs
      .map(({ topic, partition }) => {
        const c = broker.committed.get(tpKey(topic, partition)) ?? 0n;
        return {
          tp: tpKey(topic, partition),
          c,
          end: broker.end(topic, partition),
          handled: model.handledUpTo(topic, partition),
        };
      })
      .filter((s) => s.c !== s.end)
      .map((s) => `${s.tp} committed ${s.c} of ${s.end} (handled up to ${s.handled})`);
    return `(d) no progress ${PROGRESS_BOUND_MS} ms after the faults stopped: ${stuck.join(', ')}`;
  }
}

function hash(s: string): number {
  let x = 0;
  for (let i = 0; i < s.length; i++) x = (Math.imul(x, 31) + s.charCodeAt(i)) >>> 0;
  return x;
}

function safeJson(o: object): string {
  try {
    return JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return '';
  }
}
