import type { Scenario } from './scenario.ts';

/** A quiet schedule to edit: one instance, one partition, no faults. */
function base(seed: number, lingerMs: number, over: Partial<Scenario>): Scenario {
  return {
    seed,
    nodes: 1,
    topics: [{ name: 'sim-0', partitions: 1 }],
    lingerMs,
    maxBatchSize: 4,
    maxInFlight: 2,
    partitionsConsumedConcurrently: 2,
    commitIntervalMs: 200,
    maxMessagesPerFetch: 4,
    assignor: 'range',
    members: 1,
    activeMs: 4_000,
    messages: [],
    faults: [],
    stopAtEnd: false,
    ...over,
  };
}

const ok = (at: number, key = 'user-0') => ({ at, topic: 'sim-0', key, kind: 'ok' as const });

/**
 * The delivery defects of issue 22, and the one the simulation found, each as one schedule that
 * breaks an invariant on the code before its fix and holds after it. Every case runs at a short
 * linger and at the production linger (held fetches).
 */
export const defectCases = {
  /**
   * The frozen partition, by heartbeat: a handler call fails transiently and the batcher's
   * backoff heartbeats; the heartbeat request fails (a coordinator that does not answer) while
   * the generation stays the same. Before the fix the part ended 'aborted' in a live
   * generation, stayed at the head of the offset tracker, and its messages, fetched past
   * already, were never fetched again: invariant (d).
   */
  frozenByHeartbeat: (lingerMs: number) =>
    base(11, lingerMs, {
      messages: [ok(0), ok(5, 'user-1'), ok(1_000), ok(1_005, 'user-1')],
      faults: [
        { at: 1_000, until: 3_500, type: 'handler-fail', mode: 'transient' },
        { at: 1_500, until: 2_600, type: 'heartbeat-fail' },
      ],
    }),
  /**
   * The frozen partition, by a dead letter that cannot be published: the handler rejects a
   * message for good and the dead-letter topic refuses writes (kafkajs gives up with a
   * non-retriable error) until the faults stop. Before the fix the part ended 'aborted': (d).
   */
  frozenByDeadLetter: (lingerMs: number) =>
    base(12, lingerMs, {
      messages: [ok(0), { at: 5, topic: 'sim-0', key: 'user-1', kind: 'bad' }, ok(10, 'user-2')],
      faults: [{ at: 0, until: 3_000, type: 'dlq-down', mode: 'for-good' }],
    }),
  /**
   * The dropped commit: the coordinator times out every commit for longer than kafkajs retries
   * one; the committer cleared its pending offsets before committing and only logged the
   * failure, and nothing after it moved the partition again: invariant (e).
   */
  droppedCommit: (lingerMs: number) =>
    base(13, lingerMs, {
      messages: [ok(0), ok(5, 'user-1'), ok(10)],
      faults: [{ at: 150, until: 12_000, type: 'commit-fail' }],
      activeMs: 12_000,
    }),
  /**
   * The stale commit, found by the simulation (open-defects.ts; broken before d65c8cc): an
   * instance's commit is being retried by kafkajs when a second instance joins and takes one of
   * its partitions; the new owner commits further, the old owner's retry lands after it under
   * the new generation and moves the partition back: invariant (h).
   */
  staleCommit: (lingerMs: number) =>
    base(14, lingerMs, {
      topics: [{ name: 'sim-0', partitions: 2 }],
      messages: [
        ok(0, 'user-0'),
        ok(0, 'user-1'),
        ok(30, 'user-0'),
        ok(30, 'user-1'),
        ok(1_200, 'user-0'),
        ok(1_200, 'user-1'),
      ],
      faults: [
        { at: 20, until: 1_500, type: 'commit-fail' },
        { at: 100, type: 'join' },
      ],
    }),
} satisfies Record<string, (lingerMs: number) => Scenario>;

export type DefectCase = keyof typeof defectCases;
