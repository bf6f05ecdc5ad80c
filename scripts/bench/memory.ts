/**
 * The stack's memory, as `pnpm bench` reports it: the proportional set size (PSS) of every
 * process the CPU figures count, from /proc/<pid>/smaps_rollup. PSS splits each shared page
 * between the processes that map it, so the per-process figures add up to what the stack as a
 * whole holds: PostgreSQL's shared buffers are counted once across its backends, not once per
 * backend as resident set sizes would. A broker's figure is its java process: heap, metaspace,
 * code cache, thread stacks and direct buffers alike.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { stackProcesses } from './cpu.ts';

/** The `Pss:` line of /proc/<pid>/smaps_rollup, in kB (proc(5)); null when there is none. */
export function parsePssKb(smapsRollup: string): number | null {
  const m = /^Pss:\s+(\d+)\s+kB$/m.exec(smapsRollup);
  return m ? Number(m[1]) : null;
}

/** kB to MiB, rounded to the MiB: the precision a footprint is read at. */
const toMiB = (kb: number) => Math.round(kb / 1024);

/** PSS in MiB by process name, the processes that share a name (PostgreSQL's) summed. */
export function pssByProcess(processes: { name: string; pssKb: number | null }[]): Record<string, number> {
  const kb: Record<string, number> = {};
  for (const p of processes) {
    if (p.pssKb === null) continue;
    kb[p.name] = (kb[p.name] ?? 0) + p.pssKb;
  }
  return Object.fromEntries(Object.entries(kb).map(([name, v]) => [name, toMiB(v)]));
}

export const totalMiB = (byProcess: Record<string, number>) =>
  Object.values(byProcess).reduce((a, b) => a + b, 0);

/** One moment's footprint: the sum, and each process, largest first. */
export interface MemorySample {
  totalMiB: number;
  byProcessMiB: Record<string, number>;
}

const largestFirst = (byProcess: Record<string, number>) =>
  Object.fromEntries(Object.entries(byProcess).sort((a, b) => b[1] - a[1]));

export const memorySample = (byProcess: Record<string, number>): MemorySample => ({
  totalMiB: totalMiB(byProcess),
  byProcessMiB: largestFirst(byProcess),
});

/**
 * The peak over samples: `totalMiB` is the largest sum seen in one sample (what the machine had
 * to hold at once), `byProcessMiB` each process's own largest, which may come from different
 * samples (so they add up to at least the total).
 */
export function createPeak(): { add(byProcess: Record<string, number>): void; result(): MemorySample } {
  let total = 0;
  const byProcess: Record<string, number> = {};
  return {
    add(sample) {
      total = Math.max(total, totalMiB(sample));
      for (const [name, v] of Object.entries(sample)) byProcess[name] = Math.max(byProcess[name] ?? 0, v);
    },
    result: () => ({ totalMiB: total, byProcessMiB: largestFirst(byProcess) }),
  };
}

function readPssKb(pid: number): number | null {
  try {
    return parsePssKb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  } catch {
    return null; // exited between the listing and the read
  }
}

/** The stack's PSS now, in MiB by process. */
export function stackPssMiB(): Record<string, number> {
  return pssByProcess(stackProcesses().map(({ name, pid }) => ({ name, pssKb: readPssKb(pid) })));
}

/**
 * Samples the stack's PSS until stopped and keeps the peak, every second, on a worker thread.
 * Reading smaps_rollup walks each process's page tables synchronously; on the load driver's own
 * thread that would stall the driver once a second and add to the latencies it measures.
 */
export function samplePeakMemory(intervalMs = 1_000): { stop(): Promise<MemorySample> } {
  const worker = new Worker(new URL('./memory-sampler.ts', import.meta.url), { workerData: { intervalMs } });
  const result = new Promise<MemorySample>((resolve, reject) => {
    worker.once('message', (sample: MemorySample) => resolve(sample));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`memory sampler exited (${code}) before its answer`)));
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const sample = await result;
      await worker.terminate();
      return sample;
    },
  };
}
