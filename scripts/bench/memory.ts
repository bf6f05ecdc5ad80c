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

/** A `<field>:  <n> kB` line of a /proc file, in kB (proc(5)); null when there is none. */
function kbField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** The `Pss:` line of /proc/<pid>/smaps_rollup, in kB; null when there is none. */
export const parsePssKb = (smapsRollup: string) => kbField(smapsRollup, 'Pss');

/** The `VmRSS:` line of /proc/<pid>/status, in kB; null when there is none (kernel threads). */
export const parseRssKb = (status: string) => kbField(status, 'VmRSS');

/** One kB field of /proc/<pid>/<file>; null when the process exited between the listing and the read. */
function readKbField(pid: number, file: string, parse: (text: string) => number | null): number | null {
  try {
    return parse(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  } catch {
    return null;
  }
}

const readPssKb = (pid: number) => readKbField(pid, 'smaps_rollup', parsePssKb);
const readRssKb = (pid: number) => readKbField(pid, 'status', parseRssKb);

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

/** The stack's PSS now, in MiB by process. */
export function stackPssMiB(): Record<string, number> {
  return pssByProcess(stackProcesses().map(({ name, pid }) => ({ name, pssKb: readPssKb(pid) })));
}

/**
 * PSS that is read again only where it can have moved. Reading smaps_rollup walks the process's
 * page tables under its memory-map lock: kernel time on the cores the rush runs on, and a stall
 * for any page fault or mmap in the process meanwhile (the cost: docs/performance.md). The
 * resident size in /proc/<pid>/status is a counter, cheap to read. So each process's
 * PSS is read again when its resident size has moved by `thresholdKb` since the last read, when
 * it is new, or when the last read is `maxAgeSamples` samples old (PSS also moves without the
 * resident size when other processes start or stop sharing its pages: PostgreSQL's buffers).
 * A figure is thus off by less than the threshold, or stale for less than `maxAgeSamples`.
 */
export function createPssReader(
  opts: { thresholdKb: number; maxAgeSamples: number },
  read: { rssKb(pid: number): number | null; pssKb(pid: number): number | null } = {
    rssKb: readRssKb,
    pssKb: readPssKb,
  },
): { sample(processes: { name: string; pid: number }[]): Record<string, number> } {
  const last = new Map<number, { rssKb: number; pssKb: number | null; age: number }>();
  return {
    sample(processes) {
      const seen = new Set<number>();
      const sampled = processes.map(({ name, pid }) => {
        seen.add(pid);
        const rssKb = read.rssKb(pid);
        if (rssKb === null) {
          last.delete(pid); // exited between the listing and the read
          return { name, pssKb: null };
        }
        const prev = last.get(pid);
        if (prev && Math.abs(rssKb - prev.rssKb) < opts.thresholdKb && prev.age + 1 < opts.maxAgeSamples) {
          prev.age += 1;
          return { name, pssKb: prev.pssKb };
        }
        const pssKb = read.pssKb(pid);
        last.set(pid, { rssKb, pssKb, age: 0 });
        return { name, pssKb };
      });
      for (const pid of last.keys()) if (!seen.has(pid)) last.delete(pid); // exited: a pid may be reused
      return pssByProcess(sampled);
    },
  };
}

/**
 * Samples the stack's PSS until stopped and keeps the peak, every second, on a worker thread
 * and through createPssReader, so that the sampling does not add to the latencies it runs beside:
 * on the load driver's own thread each read would stall the driver, and reading every process's
 * page tables every second lengthened time-to-accept's tail (docs/performance.md).
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
