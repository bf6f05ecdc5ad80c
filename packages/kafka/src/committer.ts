export interface CommitterOptions {
  intervalMs: number;
  commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  onError(err: unknown): void;
}

/**
 * Offsets to commit, gathered and sent together: the highest next-offset per partition, at most
 * once per interval, in one request. Offsets only ever move forward here.
 */
export function createCommitter(opts: CommitterOptions) {
  const pending = new Map<string, { topic: string; partition: number; offset: bigint }>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastCommit = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  async function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    // One commit at a time, in order: a later flush never races an earlier one backwards.
    inFlight = inFlight.then(async () => {
      if (pending.size === 0) return;
      const offsets = [...pending.values()].map((p) => ({
        topic: p.topic,
        partition: p.partition,
        offset: p.offset.toString(),
      }));
      pending.clear();
      lastCommit = Date.now();
      try {
        await opts.commit(offsets);
      } catch (err) {
        opts.onError(err);
      }
    });
    return inFlight;
  }

  return {
    /** `offset` is the next one to read (last handled + 1). */
    add(topic: string, partition: number, offset: bigint) {
      const key = `${topic}/${partition}`;
      const current = pending.get(key);
      if (!current || current.offset < offset) pending.set(key, { topic, partition, offset });
      if (timer || closed) return;
      const wait = Math.max(0, lastCommit + opts.intervalMs - Date.now());
      timer = setTimeout(() => void flush(), wait);
    },
    flush,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    pendingCount: () => pending.size,
  };
}
