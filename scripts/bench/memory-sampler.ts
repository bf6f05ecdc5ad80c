/**
 * The peak-memory sampler's thread (memory.ts, samplePeakMemory): samples the stack's PSS every
 * intervalMs until the parent posts 'stop', then answers with the peak.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPeak, stackPssMiB } from './memory.ts';

const port = parentPort;
if (!port) throw new Error('memory-sampler.ts runs as a worker thread (samplePeakMemory)');
const { intervalMs } = workerData as { intervalMs: number };
const peak = createPeak();
peak.add(stackPssMiB());
const timer = setInterval(() => peak.add(stackPssMiB()), intervalMs);
port.once('message', () => {
  clearInterval(timer);
  peak.add(stackPssMiB());
  port.postMessage(peak.result());
});
