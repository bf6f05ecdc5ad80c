import { describe, expect, it } from 'vitest';
import { cpuSecondsByProcess, type ProcStat, parseProcStat } from './cpu.ts';

// Fields 3.. as Linux writes them: state ppid pgrp session tty tpgid flags minflt cminflt majflt
// cmajflt utime stime cutime cstime priority nice …
const line = (
  pid: number,
  comm: string,
  ppid: number,
  utime: number,
  stime: number,
  cutime = 0,
  cstime = 0,
) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 1000 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 4 0 100 1000 200\n`;

describe('parseProcStat', () => {
  it('reads the times and the parent, counting fields from the last parenthesis', () => {
    expect(parseProcStat(line(42, 'node', 1, 250, 30, 7, 3))).toEqual({
      comm: 'node',
      ppid: 1,
      utime: 250,
      stime: 30,
      cutime: 7,
      cstime: 3,
    });
    // A command name may hold spaces and parentheses of its own.
    const odd = parseProcStat(line(43, 'a (b) c', 42, 11, 12, 13, 14));
    expect(odd).toMatchObject({ comm: 'a (b) c', ppid: 42, utime: 11, stime: 12, cutime: 13, cstime: 14 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcStat('nonsense')).toThrow(/not a \/proc/);
  });
});

describe('cpuSecondsByProcess', () => {
  const stat = (over: Partial<ProcStat>): ProcStat => ({
    comm: 'postgres',
    ppid: 1,
    utime: 0,
    stime: 0,
    cutime: 0,
    cstime: 0,
    ...over,
  });

  it('converts user + system ticks to seconds at the clock rate given', () => {
    const named: [string, ProcStat][] = [['kafka-1', stat({ comm: 'java', utime: 300, stime: 100 })]];
    expect(cpuSecondsByProcess(named, { master: null, processes: [] }, 100)).toEqual({ 'kafka-1': 4 });
    expect(cpuSecondsByProcess(named, { master: null, processes: [] }, 250)).toEqual({ 'kafka-1': 1.6 });
  });

  it("adds one name's processes together", () => {
    const named: [string, ProcStat][] = [
      ['mailpit', stat({ utime: 50 })],
      ['mailpit', stat({ stime: 25 })],
    ];
    expect(cpuSecondsByProcess(named, { master: null, processes: [] }, 100)).toEqual({ mailpit: 0.75 });
  });

  it("counts PostgreSQL as this cluster's postmaster, its reaped children and its live backends only", () => {
    const processes: [number, ProcStat][] = [
      [500, stat({ utime: 100, stime: 100, cutime: 300, cstime: 100 })], // the postmaster
      [501, stat({ ppid: 500, utime: 50, stime: 50, cutime: 999 })], // a backend: its own time only
      [600, stat({ utime: 1000 })], // another cluster's postmaster
      [601, stat({ ppid: 600, utime: 1000 })], // and its backend
      [502, stat({ comm: 'node', ppid: 500, utime: 1000 })], // not postgres
    ];
    expect(cpuSecondsByProcess([], { master: 500, processes }, 100)).toEqual({ postgres: 7 });
  });

  it('counts no PostgreSQL when the stack has none running', () => {
    const processes: [number, ProcStat][] = [[500, stat({ utime: 100 })]];
    expect(cpuSecondsByProcess([], { master: null, processes }, 100)).toEqual({});
  });
});
