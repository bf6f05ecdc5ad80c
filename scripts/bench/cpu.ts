/**
 * CPU time of every process of the stack, from /proc: what `pnpm bench` divides by the orders.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { runDir } from '../stack/paths.ts';
import { postmasterPid } from '../stack/postgres.ts';
import { readPid } from '../stack/proc.ts';

/** The fields of /proc/<pid>/stat the bench reads (proc(5)); times in clock ticks. */
export interface ProcStat {
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  /** Reaped children's time: how the postmaster keeps the cost of backends that have exited. */
  cutime: number;
  cstime: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name is in parentheses and may itself hold spaces
 * and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // After ") ": state (field 3), ppid (4), … utime (14), stime (15), cutime (16), cstime (17).
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ')
    .map(Number);
  return {
    comm: text.slice(open + 1, close),
    ppid: f[1] ?? 0,
    utime: f[11] ?? 0,
    stime: f[12] ?? 0,
    cutime: f[13] ?? 0,
    cstime: f[14] ?? 0,
  };
}

/**
 * Clock ticks per second, the unit of /proc's times (USER_HZ): asked of the system once, as
 * `getconf CLK_TCK`. Linux fixes it at 100 on every architecture the stack runs on, which is the
 * answer when getconf is missing.
 */
export function clockTicksPerSecond(): number {
  try {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(hz) && hz > 0) return hz;
  } catch {
    // no getconf: Linux's fixed value below
  }
  return 100;
}

/**
 * CPU seconds (user + system) by process: each named process on its own, and PostgreSQL as one —
 * the postmaster with its reaped children plus its live backends (isPostgresOf).
 */
export function cpuSecondsByProcess(
  named: [name: string, stat: ProcStat][],
  postgres: { master: number | null; processes: [pid: number, stat: ProcStat][] },
  ticksPerSecond: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (name: string, ticks: number) => {
    out[name] = (out[name] ?? 0) + ticks / ticksPerSecond;
  };
  for (const [name, s] of named) add(name, s.utime + s.stime);
  const { master } = postgres;
  for (const [pid, s] of postgres.processes) {
    if (!isPostgresOf(master, pid, s)) continue;
    add('postgres', s.utime + s.stime + (pid === master ? s.cutime + s.cstime : 0));
  }
  return out;
}

/**
 * One of the given cluster's processes: its postmaster or a backend of it. Only that postmaster's:
 * another cluster on the machine (AKASO_PORT_OFFSET) is not this stack's.
 */
export const isPostgresOf = (master: number | null, pid: number, s: ProcStat): boolean =>
  master !== null && s.comm === 'postgres' && (pid === master || s.ppid === master);

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // exited between the listing and the read
  }
}

/** Every process the stack started, by its pid file's name, with its /proc stat. */
function namedProcesses(): [name: string, pid: number, stat: ProcStat][] {
  return readdirSync(runDir).flatMap((file): [string, number, ProcStat][] => {
    const name = file.replace(/\.pid$/, '');
    const pid = readPid(name);
    const stat = pid ? readStat(pid) : null;
    return pid && stat ? [[name, pid, stat]] : [];
  });
}

function allProcesses(): [pid: number, stat: ProcStat][] {
  return readdirSync('/proc').flatMap((entry): [number, ProcStat][] => {
    const pid = Number(entry);
    const stat = Number.isInteger(pid) ? readStat(pid) : null;
    return stat ? [[pid, stat]] : [];
  });
}

/** The stack's CPU seconds now, by process (every process it started, by pid file, and PostgreSQL). */
export function stackCpuSeconds(ticksPerSecond: number): Record<string, number> {
  const named = namedProcesses().map(([name, , stat]): [string, ProcStat] => [name, stat]);
  return cpuSecondsByProcess(named, { master: postmasterPid(), processes: allProcesses() }, ticksPerSecond);
}

/**
 * The stack's processes now, as the CPU figures count them: each by its pid file's name, and
 * every process of PostgreSQL (postmaster and backends) under the one name `postgres`.
 */
export function stackProcesses(): { name: string; pid: number }[] {
  const master = postmasterPid();
  return [
    ...namedProcesses().map(([name, pid]) => ({ name, pid })),
    ...allProcesses()
      .filter(([pid, s]) => isPostgresOf(master, pid, s))
      .map(([pid]) => ({ name: 'postgres', pid })),
  ];
}
