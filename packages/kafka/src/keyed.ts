/**
 * Per-key concurrency inside one partition. A partition holds the messages of many keys (users);
 * only the messages of ONE key must be handled in order. This runs up to `concurrency` messages
 * at once, never two of the same key, each key's messages in offset order, and reports the
 * longest prefix of the batch that is done: only that prefix may be committed, so a crash
 * redelivers everything after the first unfinished message (at-least-once is kept).
 *
 * With concurrency 1 it is the classic one-message-at-a-time loop.
 */
export interface KeyedRunOptions<M> {
  concurrency: number;
  keyOf(message: M): string;
  /** Handles one message; a throw stops the run (nothing after it is reported done). */
  process(message: M, index: number): Promise<void>;
  /** Checked before each start: true stops launching (shutdown, rebalance). In-flight work finishes. */
  shouldStop?(): boolean;
  /** Called with the index of the last message of the done prefix, each time the prefix grows. */
  onPrefix?(lastIndex: number): void;
  /** Called after each message finishes (e.g. a heartbeat). */
  onSettled?(): Promise<void> | void;
}

export interface KeyedRunResult {
  /** Index of the last message of the longest done prefix; -1 when none. */
  doneThrough: number;
  /** The first error thrown by `process`, if any. */
  error: unknown;
}

export async function runKeyed<M>(messages: readonly M[], opts: KeyedRunOptions<M>): Promise<KeyedRunResult> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const done = new Array<boolean>(messages.length).fill(false);
  const tails = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let doneThrough = -1;
  let failed = false;
  let error: unknown;

  const advance = () => {
    const before = doneThrough;
    while (doneThrough + 1 < messages.length && done[doneThrough + 1]) doneThrough++;
    if (doneThrough !== before) opts.onPrefix?.(doneThrough);
  };

  for (let i = 0; i < messages.length; i++) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failed || opts.shouldStop?.()) break;
    const message = messages[i] as M;
    const key = opts.keyOf(message);
    const previous = tails.get(key);
    const task: Promise<void> = (async () => {
      if (previous) await previous; // the same key's earlier message first
      if (failed) return; // a failure anywhere: start nothing new
      try {
        await opts.process(message, i);
        done[i] = true;
        advance();
        await opts.onSettled?.();
      } catch (err) {
        if (!failed) {
          failed = true;
          error = err;
        }
      }
    })().finally(() => {
      inFlight.delete(task);
      if (tails.get(key) === task) tails.delete(key);
    });
    inFlight.add(task);
    tails.set(key, task);
  }
  await Promise.all(inFlight);
  return { doneThrough, error };
}
