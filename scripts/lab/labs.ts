import type { Lab } from './lab.ts';
import { lab as lab01 } from './lab-01-sync-vs-async.ts';
import { lab as lab02 } from './lab-02-keys.ts';
import { lab as lab03 } from './lab-03-groups.ts';
import { lab as lab04 } from './lab-04-offsets.ts';
import { lab as lab05 } from './lab-05-replay.ts';
import { lab as lab06 } from './lab-06-failover.ts';
import { lab as lab07 } from './lab-07-batching.ts';
import { lab as lab08 } from './lab-08-compaction.ts';
import { lab as lab09 } from './lab-09-poison.ts';
import { lab as lab10 } from './lab-10-security.ts';
import { lab as lab11 } from './lab-11-dynamic-config.ts';
import { lab as lab12 } from './lab-12-database-restart.ts';
import { lab as lab13 } from './lab-13-where-did-the-time-go.ts';

/** Every lab, in workshop order; `pnpm lab <n> verify` runs one. */
export const labs: Lab[] = [
  lab01,
  lab02,
  lab03,
  lab04,
  lab05,
  lab06,
  lab07,
  lab08,
  lab09,
  lab10,
  lab11,
  lab12,
  lab13,
];
