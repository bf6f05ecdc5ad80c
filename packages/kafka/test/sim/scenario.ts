import type { MessageKind } from './effects.ts';
import { createRng } from './prng.ts';

/** Something that goes wrong (or changes) at a moment of the schedule; windows end by `until`. */
export type Fault =
  | { at: number; type: 'join' }
  | { at: number; type: 'leave' }
  | { at: number; type: 'crash'; restartAfterMs: number | null }
  | { at: number; type: 'kick' }
  | { at: number; until: number; type: 'commit-fail' }
  | { at: number; until: number; type: 'heartbeat-fail' }
  | { at: number; until: number; type: 'slow-handler' }
  | { at: number; until: number; type: 'handler-fail'; mode: 'transient' | 'unknown' | 'ack-lost' }
  | { at: number; until: number; type: 'dlq-down'; mode: 'transient' | 'for-good' };

export interface Scenario {
  seed: number;
  nodes: number;
  topics: { name: string; partitions: number }[];
  lingerMs: number;
  maxBatchSize: number;
  maxInFlight: number;
  partitionsConsumedConcurrently: number;
  commitIntervalMs: number;
  maxMessagesPerFetch: number;
  assignor: 'range' | 'round-robin';
  members: number;
  /** Messages are produced and faults happen in [0, activeMs); then everything is healthy. */
  activeMs: number;
  messages: { at: number; topic: string; key: string | null; kind: MessageKind }[];
  faults: Fault[];
  /** After the partitions are drained, every instance stops gracefully (and that is checked too). */
  stopAtEnd: boolean;
}

/** A random schedule: a small cluster, a workload, runner settings and faults, all from the seed. */
export function generateScenario(seed: number): Scenario {
  const rng = createRng(seed);
  const topicCount = rng.chance(0.25) ? 2 : 1;
  const topics = Array.from({ length: topicCount }, (_, i) => ({
    name: `sim-${i}`,
    partitions: rng.int(1, 3),
  }));
  const activeMs = rng.int(500, 6_000);
  const keys = Array.from({ length: rng.int(1, 6) }, (_, i) => `user-${i}`);
  const messages: Scenario['messages'] = [];
  const count = rng.int(4, 24);
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    messages.push({
      at: rng.chance(0.5) ? rng.int(0, 200) : rng.int(0, activeMs - 1),
      topic: rng.pick(topics).name,
      key: rng.chance(0.1) ? null : rng.pick(keys),
      kind: r < 0.06 ? 'poison' : r < 0.12 ? 'bad' : 'ok',
    });
  }
  const faults: Fault[] = [];
  const n = rng.int(0, 4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(0, activeMs - 1);
    const until = Math.min(activeMs, at + rng.int(100, rng.chance(0.3) ? 15_000 : 3_000));
    const kind = rng.int(0, 9);
    if (kind === 0) faults.push({ at, type: 'join' });
    else if (kind === 1) faults.push({ at, type: 'leave' });
    else if (kind === 2)
      faults.push({ at, type: 'crash', restartAfterMs: rng.chance(0.7) ? rng.int(0, 3_000) : null });
    else if (kind === 3) faults.push({ at, type: 'kick' });
    else if (kind === 4) faults.push({ at, until, type: 'commit-fail' });
    else if (kind === 5) faults.push({ at, until, type: 'heartbeat-fail' });
    else if (kind === 6) faults.push({ at, until, type: 'slow-handler' });
    else if (kind === 7 || kind === 8)
      faults.push({
        at,
        until,
        type: 'handler-fail',
        mode: rng.pick(['transient', 'unknown', 'ack-lost'] as const),
      });
    else faults.push({ at, until, type: 'dlq-down', mode: rng.pick(['transient', 'for-good'] as const) });
  }
  return {
    seed,
    nodes: rng.int(1, 3),
    topics,
    // Held fetches at the production linger half of the time; short lingers otherwise.
    lingerMs: rng.chance(0.5) ? 150 : rng.pick([1, 2, 5, 20, 60]),
    maxBatchSize: rng.int(1, 8),
    maxInFlight: rng.int(1, 4),
    partitionsConsumedConcurrently: rng.int(1, 4),
    commitIntervalMs: rng.pick([50, 200, 1_000]),
    maxMessagesPerFetch: rng.int(1, 8),
    assignor: rng.pick(['range', 'round-robin'] as const),
    members: rng.int(1, 3),
    activeMs,
    messages,
    faults,
    stopAtEnd: rng.chance(0.3),
  };
}
