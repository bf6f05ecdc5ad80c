import { type Clock, systemClock, type TimerHandle } from './clock.ts';

export interface CommitterOptions {
  intervalMs: number;
  commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  onError(err: unknown): void;
  clock?: Clock;
}

export interface Committer {
  /** `offset` is the next one to read (last handled + 1). */
  add(topic: string, partition: number, offset: bigint): void;
  /** Commits what is pending now; resolves when that commit (and any earlier one) is done. */
  flush(): Promise<void>;
  /**
   * A new group generation: forgets every pending offset. They were worked out for the old
   * assignment; committed now (or by a retry of a failed commit) they could move a partition
   * back behind what its new owner has committed. Their messages are redelivered instead, and the
   * handlers' eventId claims make that harmless.
   */
  reset(): void;
  close(): void;
  pendingCount(): number;
}

/**
 * Offsets to commit, gathered and sent together: the highest next-offset per partition, at most
 * once per interval, in one request. Offsets only ever move forward here. A commit that fails
 * keeps its offsets pending and is tried again an interval later: dropping them would leave the
 * group's position behind until that partition happened to move again (or forever, for one that
 * went quiet), and a restart would redeliver everything since.
 */
export function createCommitter(opts: CommitterOptions): Committer {
  const clock = opts.clock ?? systemClock;
  const pending = new Map<string, { topic: string; partition: number; offset: bigint }>();
  let timer: TimerHandle | null = null;
  let lastCommit = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;
  /** Bumped by reset(): a commit that fails after it does not put its offsets back. */
  let epoch = 0;

  function put(topic: string, partition: number, offset: bigint) {
    const key = `${topic}/${partition}`;
    const current = pending.get(key);
    if (!current || current.offset < offset) pending.set(key, { topic, partition, offset });
  }

  function schedule() {
    if (timer !== null || closed || pending.size === 0) return;
    const wait = Math.max(0, lastCommit + opts.intervalMs - clock.now());
    timer = clock.setTimeout(() => {
      timer = null;
      void flush();
    }, wait);
  }

  function flush(): Promise<void> {
    if (timer !== null) {
      clock.clearTimeout(timer);
      timer = null;
    }
    // One commit at a time, in order: a later flush never races an earlier one backwards.
    inFlight = inFlight.then(async () => {
      if (pending.size === 0) return;
      const batch = [...pending.values()];
      const from = epoch;
      pending.clear();
      lastCommit = clock.now();
      try {
        await opts.commit(
          batch.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset.toString() })),
        );
      } catch (err) {
        opts.onError(err);
        // Back in, unless a rebalance came meanwhile or a later offset of the partition arrived.
        if (epoch === from) for (const p of batch) put(p.topic, p.partition, p.offset);
      }
      schedule();
    });
    return inFlight;
  }

  return {
    add(topic, partition, offset) {
      put(topic, partition, offset);
      schedule();
    },
    flush,
    reset() {
      epoch++;
      pending.clear();
    },
    close() {
      closed = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
    pendingCount: () => pending.size,
  };
}
