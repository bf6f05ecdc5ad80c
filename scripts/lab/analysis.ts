/** Pure computations behind the labs' observations (unit-tested in analysis.test.ts). */

export interface PartitionLeader {
  topic: string;
  partition: number;
  leader: number;
}

/** The broker that leads the most partitions (ties: the lowest id), and how many each leads. */
export function busiestLeader(partitions: PartitionLeader[]): {
  brokerId: number;
  counts: Map<number, number>;
} {
  if (partitions.length === 0) throw new Error('no partitions: cannot pick a leader');
  const counts = new Map<number, number>();
  for (const p of partitions) if (p.leader >= 0) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  if (counts.size === 0) throw new Error('no partition has a leader');
  const [brokerId] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] as [number, number];
  return { brokerId, counts };
}

export interface Skew {
  /** Messages on each partition, index = partition. */
  counts: number[];
  total: number;
  max: number;
  hottestPartition: number;
  /** max / mean: 1 is perfectly even; 12 means one of 12 partitions has everything. */
  ratio: number;
}

export function partitionSkew(counts: number[]): Skew {
  if (counts.length === 0) throw new Error('no partitions');
  if (counts.some((c) => !Number.isInteger(c) || c < 0))
    throw new Error(`counts must be non-negative integers: ${counts}`);
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(...counts);
  const mean = total / counts.length;
  return {
    counts,
    total,
    max,
    hottestPartition: counts.indexOf(max),
    ratio: total === 0 ? 0 : max / mean,
  };
}

/** Messages seen versus produced, by id: what was lost, and what was handled more than once. */
export function deliveryOutcome(
  produced: readonly number[],
  handled: readonly number[],
): {
  lost: number[];
  duplicates: number;
  distinct: number;
} {
  const seen = new Map<number, number>();
  for (const h of handled) seen.set(h, (seen.get(h) ?? 0) + 1);
  const lost = produced.filter((p) => !seen.has(p));
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  return { lost, duplicates, distinct: seen.size };
}

/** True when offsets (as strings) are strictly increasing: the order in which they were written. */
export function strictlyIncreasing(offsets: readonly string[]): boolean {
  for (let i = 1; i < offsets.length; i++)
    if (BigInt(offsets[i] as string) <= BigInt(offsets[i - 1] as string)) return false;
  return true;
}
