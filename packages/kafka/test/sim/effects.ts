import { tpKey } from './fake-broker.ts';

/** What a produced message is for the handler: a normal event, bytes that never decode, or an event it rejects. */
export type MessageKind = 'ok' | 'poison' | 'bad';

export interface SimMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  eventId: string;
  kind: MessageKind;
}

/** The error code the simulated handler throws for a failure it cannot classify. */
export const UNKNOWN_CODE = 'SIM_UNKNOWN';

/**
 * The services' side of delivery, as the runner's contract sees it: a handler call is one
 * transaction that claims the eventIds of its messages and applies their effects atomically
 * (a message whose eventId is already claimed is skipped: the dedupe), and a dead letter counts
 * as handled once the broker acknowledged it. The invariants that hold at every instant are
 * checked as things happen; the first broken one is kept.
 */
export class EffectModel {
  violation: string | null = null;
  /** Messages delivered again whose claim was already taken (dedupe at work, not a fault). */
  deduped = 0;
  readonly effects = new Map<string, number>();
  readonly deadLettered = new Map<string, string>();
  private readonly byTp = new Map<string, SimMessage[]>();
  private readonly frontier = new Map<string, number>();
  private readonly handled = new Set<string>();
  private readonly byKey = new Map<string, { list: SimMessage[]; next: number }>();
  private readonly ids = new Map<string, SimMessage>();

  produced(m: SimMessage): void {
    const tp = tpKey(m.topic, m.partition);
    const list = this.byTp.get(tp) ?? [];
    list[m.offset] = m;
    this.ids.set(m.eventId, m);
    this.byTp.set(tp, list);
    if (m.kind === 'ok') {
      const k = `${tp}|${m.key}`;
      const q = this.byKey.get(k) ?? { list: [], next: 0 };
      q.list.push(m);
      this.byKey.set(k, q);
    }
  }

  message(topic: string, partition: number, offset: number): SimMessage | undefined {
    return this.byTp.get(tpKey(topic, partition))?.[offset];
  }

  /** One handler transaction, committed: claims and effects together. */
  apply(eventIds: string[], by: string): void {
    for (const id of eventIds) {
      if (this.effects.has(id)) {
        this.deduped++;
        continue;
      }
      const m = this.find(id);
      if (!m) {
        this.fail(`handler got an unknown eventId ${id}`);
        continue;
      }
      if (m.kind !== 'ok') this.fail(`(b) ${describe(m)} (${m.kind}) had an effect`);
      const n = (this.effects.get(id) ?? 0) + 1;
      this.effects.set(id, n);
      if (n > 1) this.fail(`(b) the effect of ${describe(m)} happened ${n} times`);
      // (c) the earliest unhandled message of this key must be this one. One dead-lettered
      // already (after unclassified failures) and applied on a redelivery is a replay: out of
      // order by nature, as a replay from the dead-letter topic would be.
      const q = this.byKey.get(`${tpKey(m.topic, m.partition)}|${m.key}`);
      const first = q?.list[q.next];
      if (!this.handled.has(id) && first && first !== m) {
        this.fail(`(c) ${describe(m)} applied by ${by} before ${describe(first)} of the same key`);
      }
      this.markHandled(m);
    }
  }

  /** A dead letter reached its topic (the original's topic, partition and offset from its headers). */
  deadLetter(topic: string, partition: number, offset: number, code: string): void {
    const m = this.message(topic, partition, offset);
    if (!m) {
      this.fail(`a dead letter for an unknown message ${topic}/${partition}@${offset}`);
      return;
    }
    // (g) a dead letter is for what can never succeed: bytes that do not decode, an event the
    // handler rejects, or one that kept failing in ways nobody could classify.
    if (m.kind === 'ok' && code !== UNKNOWN_CODE) {
      this.fail(`(g) ${describe(m)} could succeed but was dead-lettered (${code})`);
    }
    this.deadLettered.set(m.eventId, code);
    this.markHandled(m);
  }

  /** (a) No committed offset passes a message that is neither applied nor dead-lettered. */
  checkCommitted(committed: Map<string, bigint>): void {
    for (const [tp, offset] of committed) {
      const f = this.frontier.get(tp) ?? 0;
      if (offset > BigInt(f)) {
        const m = this.byTp.get(tp)?.[f];
        this.fail(
          `(a) ${tp} committed at ${offset}, past ${m ? describe(m) : `offset ${f}`}, which is neither applied nor dead-lettered`,
        );
      }
    }
  }

  /** Offsets of the partition's first message not yet handled. */
  handledUpTo(topic: string, partition: number): number {
    return this.frontier.get(tpKey(topic, partition)) ?? 0;
  }

  private markHandled(m: SimMessage) {
    if (this.handled.has(m.eventId)) return;
    this.handled.add(m.eventId);
    const tp = tpKey(m.topic, m.partition);
    const list = this.byTp.get(tp) ?? [];
    let f = this.frontier.get(tp) ?? 0;
    while (f < list.length && this.handled.has((list[f] as SimMessage).eventId)) f++;
    this.frontier.set(tp, f);
    if (m.kind === 'ok') {
      const q = this.byKey.get(`${tp}|${m.key}`);
      if (q)
        while (q.next < q.list.length && this.handled.has((q.list[q.next] as SimMessage).eventId)) q.next++;
    }
  }

  private find(id: string): SimMessage | undefined {
    return this.ids.get(id);
  }

  private fail(msg: string) {
    this.violation ??= msg;
  }
}

export const describe = (m: SimMessage) => `${m.topic}/${m.partition}@${m.offset} (key ${m.key ?? 'none'})`;
