/** A partition's log bounds as the admin API reports them (offsets are decimal strings). */
export interface PartitionBounds {
  partition: number;
  /** Log start offset (earliest still stored). */
  low: string;
  /** End offset: the offset the next message will get. */
  high: string;
}

export interface CommittedOffset {
  partition: number;
  /** "-1" when the group never committed on this partition. */
  offset: string;
}

export interface PartitionLag {
  partition: number;
  end: number;
  /** null: nothing committed yet. */
  committed: number | null;
  lag: number;
}

/**
 * Lag per partition of one topic for one group: how many messages it still has to handle.
 * With no commit yet the group would start from the earliest stored message (our consumers use
 * fromBeginning), so everything still stored counts. A commit past the end (the log was
 * truncated, or the end offset is a moment older than the commit) is lag 0, never negative.
 */
export function computeLag(bounds: PartitionBounds[], committed: CommittedOffset[]): PartitionLag[] {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return bounds
    .map((b) => {
      const end = Number(b.high);
      const low = Number(b.low);
      const c = byPartition.get(b.partition);
      const hasCommit = c !== undefined && c >= 0;
      const lag = hasCommit ? Math.max(0, end - c) : Math.max(0, end - low);
      return { partition: b.partition, end, committed: hasCommit ? c : null, lag };
    })
    .sort((a, b) => a.partition - b.partition);
}

export const totalLag = (lags: { lag: number }[]) => lags.reduce((sum, l) => sum + l.lag, 0);
