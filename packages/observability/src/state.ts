/**
 * Whether the SDK was started in this process. Every hook checks it first, so with tracing off
 * the pipeline pays one boolean test per batch and per outbox row, nothing more.
 */
let enabled = false;

export const tracingEnabled = (): boolean => enabled;

export function markTracingStarted(): void {
  enabled = true;
}

let stop: (() => Promise<void>) | null = null;

export function onTracingShutdown(fn: () => Promise<void>): void {
  stop = fn;
}

/** Exports the spans still buffered; the last step of a graceful shutdown. */
export async function shutdownTracing(): Promise<void> {
  const s = stop;
  stop = null;
  enabled = false;
  await s?.();
}
