/**
 * What may be committed, per partition, when parts of one partition finish out of order (the
 * batcher orders per key, so a later part can finish first). Parts are registered in fetch
 * order; a partition's committed position only moves over an unbroken run of finished parts,
 * so an offset is never committed before every message below it is applied or dead-lettered.
 *
 * A partition's record of parts is replaced, and its old tickets ignored, when the messages in
 * hand will be fetched again: a new group generation (kafkajs fetches from the committed offsets)
 * or a rewind (the consumer seeks back to a part that was given up). The redelivered messages
 * are deduplicated by the handlers' eventId claims.
 */
export interface OffsetTicket {
  readonly lane: Lane;
  readonly record: LaneRecord;
}

interface LaneRecord {
  /** The part's first offset: where to fetch again if it is given up. */
  first: bigint;
  /** The offset to commit once this part and every part before it are finished. */
  next: bigint;
  state: 'pending' | 'done';
}

interface Lane {
  id: string;
  topic: string;
  partition: number;
  records: LaneRecord[];
}

export interface OffsetTracker {
  generation(): number;
  /** A new group generation: forget every partition's parts in hand. */
  reset(): void;
  /** Registers the next part of a partition (offsets first..next-1), in fetch order. */
  add(topic: string, partition: number, first: bigint, next: bigint): OffsetTicket;
  /**
   * The part is finished; commits what became contiguous. Returns the offset to fetch again from
   * when the part was given up while its partition is still tracked (the consumer seeks there
   * and the partition starts a fresh record), else null. Stale tickets are ignored.
   */
  settle(ticket: OffsetTicket, outcome: 'done' | 'aborted'): bigint | null;
  /** Parts registered and not yet committable (all partitions). */
  inHand(): number;
}

export function createOffsetTracker(
  onCommittable: (topic: string, partition: number, next: bigint) => void,
): OffsetTracker {
  let generation = 0;
  let lanes = new Map<string, Lane>();

  const laneOf = (topic: string, partition: number): Lane => {
    const id = `${topic}/${partition}`;
    let lane = lanes.get(id);
    if (!lane) {
      lane = { id, topic, partition, records: [] };
      lanes.set(id, lane);
    }
    return lane;
  };

  return {
    generation: () => generation,
    reset() {
      generation++;
      lanes = new Map();
    },
    add(topic, partition, first, next) {
      const record: LaneRecord = { first, next, state: 'pending' };
      const lane = laneOf(topic, partition);
      lane.records.push(record);
      return { lane, record };
    },
    settle(ticket, outcome) {
      const { lane, record } = ticket;
      if (lanes.get(lane.id) !== lane) return null;
      if (outcome === 'aborted') {
        // Fetched again from the oldest unfinished part (the head: finished heads are shifted
        // at once), not from this one: parts before it may still be running, and a commit may
        // never pass them.
        lanes.delete(lane.id);
        return (lane.records[0] ?? record).first;
      }
      record.state = 'done';
      let next: bigint | null = null;
      while (lane.records[0]?.state === 'done') next = (lane.records.shift() as LaneRecord).next;
      if (next !== null) onCommittable(lane.topic, lane.partition, next);
      return null;
    },
    inHand() {
      let n = 0;
      for (const lane of lanes.values()) n += lane.records.length;
      return n;
    },
  };
}
