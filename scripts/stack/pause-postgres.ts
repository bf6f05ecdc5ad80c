import { readdirSync, readFileSync } from 'node:fs';
import { postmasterPid } from './postgres.ts';
import { signal } from './proc.ts';

/**
 * A PostgreSQL that stops answering without going away (a stalled disk, a frozen VM): every
 * postgres process is SIGSTOPped. Connections stay open and the kernel still accepts new ones,
 * but nothing answers, and the server's own timeouts cannot fire (it is not running): only the
 * clients' bounds can end a wait. resumePostgres() sends SIGCONT to the same processes.
 */

/** The postmaster's children: every backend and auxiliary process (it forks them all itself). */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

export interface PausedPostgres {
  pids: number[];
  resume(): void;
}

export function pausePostgres(): PausedPostgres {
  const postmaster = postmasterPid();
  if (postmaster === null) throw new Error('PostgreSQL is not running');
  // The postmaster first, so it forks no new backend while its children are being stopped.
  signal(postmaster, 'SIGSTOP');
  const pids = new Set([postmaster]);
  for (let round = 0; round < 2; round++) {
    for (const pid of childrenOf(postmaster)) {
      if (pids.has(pid)) continue;
      signal(pid, 'SIGSTOP');
      pids.add(pid);
    }
  }
  let resumed = false;
  return {
    pids: [...pids],
    resume() {
      if (resumed) return;
      resumed = true;
      // Children first: the postmaster finds its backends running when it wakes.
      for (const pid of [...pids].reverse()) signal(pid, 'SIGCONT');
    },
  };
}
