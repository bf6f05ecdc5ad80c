import { describe, expect, it } from 'vitest';
import { createPeak, createPssReader, memorySample, parsePssKb, parseRssKb, pssByProcess } from './memory.ts';

// /proc/<pid>/smaps_rollup as Linux writes it (trimmed): Pss_* lines come after Pss itself.
const rollup = (rss: number, pss: number) =>
  [
    '5641242ad000-7ffca85ca000 ---p 00000000 00:00 0                          [rollup]',
    `Rss:             ${rss} kB`,
    `Pss:             ${pss} kB`,
    `Pss_Dirty:       ${Math.round(pss / 2)} kB`,
    `Pss_Anon:        ${Math.round(pss / 3)} kB`,
    `Shared_Clean:    ${rss - pss} kB`,
    'Swap:                  0 kB',
    'SwapPss:               0 kB',
    '',
  ].join('\n');

describe('parsePssKb', () => {
  it('reads the Pss line, not Rss nor the Pss_* breakdown', () => {
    expect(parsePssKb(rollup(394_324, 379_433))).toBe(379_433);
    expect(parsePssKb(rollup(1_672, 225))).toBe(225);
  });

  it('is null for text without a Pss line', () => {
    expect(parsePssKb('Rss: 12 kB\n')).toBeNull();
    expect(parsePssKb('')).toBeNull();
  });
});

describe('pssByProcess', () => {
  it('sums the processes that share a name (PostgreSQL), in MiB, and skips unreadable ones', () => {
    expect(
      pssByProcess([
        { name: 'kafka-1', pssKb: 379_433 },
        { name: 'postgres', pssKb: 40_000 },
        { name: 'postgres', pssKb: 60_000 },
        { name: 'postgres', pssKb: null },
        { name: 'order-api-1', pssKb: null },
      ]),
    ).toEqual({ 'kafka-1': 371, postgres: 98 });
  });
});

describe('memorySample', () => {
  it('totals a sample and lists its processes largest first', () => {
    const s = memorySample({ mailpit: 20, 'kafka-1': 370, postgres: 98 });
    expect(s.totalMiB).toBe(488);
    expect(Object.keys(s.byProcessMiB)).toEqual(['kafka-1', 'postgres', 'mailpit']);
  });
});

describe('createPeak', () => {
  it('keeps the largest sum of one sample, and each process its own largest', () => {
    const peak = createPeak();
    peak.add({ 'kafka-1': 300, 'order-api-1': 200 }); // 500
    peak.add({ 'kafka-1': 250, 'order-api-1': 300 }); // 550
    peak.add({ 'kafka-1': 340, 'order-api-1': 150 }); // 490
    const r = peak.result();
    // The processes' own peaks (340 + 300) come from different samples: more than the total.
    expect(r.totalMiB).toBe(550);
    expect(r.byProcessMiB).toEqual({ 'kafka-1': 340, 'order-api-1': 300 });
    expect(Object.keys(r.byProcessMiB)).toEqual(['kafka-1', 'order-api-1']);
  });

  it('keeps a process seen in only some samples (one restarted or started mid-run)', () => {
    const peak = createPeak();
    peak.add({ 'kafka-1': 300 });
    peak.add({ 'kafka-1': 310, 'payment-2': 120 });
    expect(peak.result()).toEqual({ totalMiB: 430, byProcessMiB: { 'kafka-1': 310, 'payment-2': 120 } });
  });

  it('is zero before any sample', () => {
    expect(createPeak().result()).toEqual({ totalMiB: 0, byProcessMiB: {} });
  });
});

describe('parseRssKb', () => {
  it('reads the VmRSS line of /proc/<pid>/status, not VmHWM', () => {
    expect(parseRssKb('Name:\tnode\nVmHWM:\t  170000 kB\nVmRSS:\t  158876 kB\nRssAnon:\t  100000 kB\n')).toBe(
      158_876,
    );
    expect(parseRssKb('Name:\tkworker/0:1\n')).toBeNull(); // kernel threads have none
  });
});

describe('createPssReader', () => {
  // A stand-in /proc: resident and proportional sizes by pid, with the PSS reads counted.
  function fakeProc(rss: Record<number, number>, pss: Record<number, number>) {
    const pssRead: number[] = [];
    return {
      rss,
      pss,
      pssRead,
      read: {
        rssKb: (pid: number) => rss[pid] ?? null,
        pssKb: (pid: number) => {
          pssRead.push(pid);
          return pss[pid] ?? null;
        },
      },
    };
  }
  const broker = { name: 'kafka-1', pid: 1 };
  const stack = [broker, { name: 'postgres', pid: 2 }, { name: 'postgres', pid: 3 }];

  it('reads each PSS the first time, then only where the resident size moved by the threshold', () => {
    const proc = fakeProc({ 1: 200_000, 2: 50_000, 3: 10_000 }, { 1: 190_000, 2: 30_000, 3: 5_000 });
    const reader = createPssReader({ thresholdKb: 2_048, maxAgeSamples: 10 }, proc.read);
    expect(reader.sample(stack)).toEqual({ 'kafka-1': 186, postgres: 34 });
    expect(proc.pssRead).toEqual([1, 2, 3]);

    proc.rss[1] = 202_000; // moved less than the threshold: the last PSS stands
    proc.pss[1] = 191_000;
    proc.rss[2] = 60_000; // moved 10 MB: read again
    proc.pss[2] = 40_000;
    expect(reader.sample(stack)).toEqual({ 'kafka-1': 186, postgres: 44 });
    expect(proc.pssRead).toEqual([1, 2, 3, 2]);

    proc.rss[1] = 190_000; // shrunk by more than the threshold: read again too
    proc.pss[1] = 180_000;
    expect(reader.sample(stack)['kafka-1']).toBe(176);
  });

  it('reads again a PSS that has stood maxAgeSamples samples, moved or not', () => {
    const proc = fakeProc({ 1: 200_000 }, { 1: 190_000 });
    const reader = createPssReader({ thresholdKb: 2_048, maxAgeSamples: 3 }, proc.read);
    for (let i = 0; i < 7; i++) reader.sample([broker]);
    // Read at samples 1, 4 and 7: shared pages change a PSS without changing the resident size.
    expect(proc.pssRead).toEqual([1, 1, 1]);
  });

  it('drops a process that exited, and reads a new one on the reused pid', () => {
    const proc = fakeProc({ 1: 200_000, 2: 50_000 }, { 1: 190_000, 2: 30_000 });
    const reader = createPssReader({ thresholdKb: 2_048, maxAgeSamples: 10 }, proc.read);
    reader.sample(stack.slice(0, 2));
    delete proc.rss[2];
    expect(reader.sample(stack.slice(0, 2))).toEqual({ 'kafka-1': 186 });
    proc.rss[2] = 50_000; // the same pid and size, another process: must not reuse the old PSS
    proc.pss[2] = 12_000;
    reader.sample([broker]); // pid 2 not listed in between: forgotten
    expect(reader.sample(stack.slice(0, 2))).toEqual({ 'kafka-1': 186, postgres: 12 });
  });
});
