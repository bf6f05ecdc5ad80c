/**
 * What may be committed, per partition, when parts of one partition finish out of order (the
 * batcher orders per key, so a later part can finish first). Parts are registered in fetch
 * order; a partition's committed position only moves over an unbroken run of finished parts,
 * so an offset is never committed before every message below it is applied or dead-lettered.
 *
 * A rebalance starts a new generation: kafkajs then fetches again from the group's committed
 * offsets, so what the old generation had in hand is redelivered (and deduped by eventId); its
 * parts no longer count here.
 */
export interface OffsetTicket {
  readonly generation: number;
  readonly lane: Lane;
  readonly record: LaneRecord;
}

interface LaneRecord {
  /** The offset to commit once this part and every part before it are finished. */
  next: bigint;
  state: 'pending' | 'done' | 'aborted';
}

interface Lane {
  topic: string;
  partition: number;
  records: LaneRecord[];
}

export function createOffsetTracker(onCommittable: (topic: string, partition: number, next: bigint) => void) {
  let generation = 0;
  let lanes = new Map<string, Lane>();

  function advance(lane: Lane) {
    let next: bigint | null = null;
    // An aborted part (shutdown, partition lost) stays at the head: nothing after it is committed.
    while (lane.records[0]?.state === 'done') next = (lane.records.shift() as LaneRecord).next;
    if (next !== null) onCommittable(lane.topic, lane.partition, next);
  }

  return {
    generation: () => generation,
    /** A new group generation: forget every partition's parts in hand. */
    reset() {
      generation++;
      lanes = new Map();
    },
    /** Registers the next part of a partition, in fetch order. */
    add(topic: string, partition: number, next: bigint): OffsetTicket {
      const id = `${topic}/${partition}`;
      let lane = lanes.get(id);
      if (!lane) {
        lane = { topic, partition, records: [] };
        lanes.set(id, lane);
      }
      const record: LaneRecord = { next, state: 'pending' };
      lane.records.push(record);
      return { generation, lane, record };
    },
    /** The part is finished; commits what became contiguous. Parts of an old generation are ignored. */
    settle(ticket: OffsetTicket, outcome: 'done' | 'aborted') {
      if (ticket.generation !== generation) return;
      ticket.record.state = outcome;
      advance(ticket.lane);
    },
    /** Parts registered and not yet committable (all partitions). */
    inHand() {
      let n = 0;
      for (const lane of lanes.values()) n += lane.records.length;
      return n;
    },
  };
}

export type OffsetTracker = ReturnType<typeof createOffsetTracker>;
