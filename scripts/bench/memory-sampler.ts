/**
 * The peak-memory sampler's thread (memory.ts, samplePeakMemory): samples the stack's PSS every
 * intervalMs until the parent posts 'stop', then answers with the peak.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { stackProcesses } from './cpu.ts';
import { createPeak, createPssReader } from './memory.ts';

const port = parentPort;
if (!port) throw new Error('memory-sampler.ts runs as a worker thread (samplePeakMemory)');
const { intervalMs } = workerData as { intervalMs: number };
const peak = createPeak();
// A process's PSS is read again once its resident size moved by 2 MiB, and at least every 10 s.
const pss = createPssReader({ thresholdKb: 2_048, maxAgeSamples: 10 });
const sample = () => peak.add(pss.sample(stackProcesses()));
sample();
const timer = setInterval(sample, intervalMs);
port.once('message', () => {
  clearInterval(timer);
  sample();
  port.postMessage(peak.result());
});
