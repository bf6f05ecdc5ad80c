import { describe, expect, it } from 'vitest';
import { createPeak, memorySample, parsePssKb, pssByProcess } from './memory.ts';

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
