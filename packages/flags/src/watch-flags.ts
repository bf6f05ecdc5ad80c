import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '@akaso/config';
import { type Flags, parseFlags } from './flags.ts';

export interface WatchFlagsOptions {
  file: string;
  /** How often the file's mtime and size are looked at (default 500 ms). */
  intervalMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Called with the new flags after a change took effect (not for the first read). */
  onChange?: (flags: Flags) => void;
}

export interface FlagsWatcher {
  /** The flags in effect: read on every use (a charge, a handler call), it costs nothing. */
  current(): Flags;
  stop(): void;
}

export const watchFlagsDefaults = { intervalMs: 500 } as const;

/** What identifies one version of the file: a rename (writeFlags) changes the inode too. */
type Signature = string;
const MISSING: Signature = 'missing';
const signatureOf = (s: { mtimeMs: number; size: number; ino: number }): Signature =>
  `${s.mtimeMs}:${s.size}:${s.ino}`;

/**
 * The state of a watched file, advanced by poll(): the last good flags, kept while the file is
 * invalid (a hand edit in progress), and {} once the file is removed. Apart from the timer, so the
 * rules are tested by calling poll() rather than by waiting for one.
 */
export function createFlagsPoller(opts: Omit<WatchFlagsOptions, 'intervalMs'>) {
  const { file, logger } = opts;
  let flags: Flags = {};
  let seen: Signature | null = null;
  let polling = false;

  function take(next: Flags, notify: boolean) {
    if (JSON.stringify(next) === JSON.stringify(flags)) return;
    flags = next;
    logger?.info({ file, flags }, 'run-time flags changed');
    if (notify) opts.onChange?.(flags);
  }

  function refuse(err: unknown) {
    logger?.warn(
      { file, err: (err as Error).message },
      'run-time flags file invalid, keeping the last good flags',
    );
  }

  const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

  return {
    current: (): Flags => flags,
    /** The first read, synchronous, so the flags are in effect before the service takes work. */
    readNow(): void {
      try {
        const s = statSync(file);
        seen = signatureOf(s);
        take(parseFlags(readFileSync(file, 'utf8'), file), false);
      } catch (err) {
        if (missing(err)) seen = MISSING;
        else refuse(err);
      }
    },
    /** Looks at the file once and takes its flags if it changed. Never throws. */
    async poll(): Promise<void> {
      // A slow disk must not pile polls up: the next tick looks again.
      if (polling) return;
      polling = true;
      try {
        let signature: Signature;
        try {
          signature = signatureOf(await stat(file));
        } catch (err) {
          if (!missing(err)) throw err;
          signature = MISSING;
        }
        if (signature === seen) return;
        seen = signature;
        if (signature === MISSING) return take({}, true);
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          // Removed between the stat and the read: the next poll sees it missing.
          if (missing(err)) seen = null;
          else throw err;
          return;
        }
        take(parseFlags(text, file), true);
      } catch (err) {
        // Logged once per version of the file: `seen` already holds it, so it is not read again.
        refuse(err);
      } finally {
        polling = false;
      }
    },
  };
}

/**
 * Watches the flags file by polling its mtime, size and inode: fs.watch misses changes on bind
 * mounts and Docker volumes, and a stat every half second costs nothing. The timer is unref'd,
 * so a watcher never keeps a process alive.
 */
export function watchFlags(opts: WatchFlagsOptions): FlagsWatcher {
  const poller = createFlagsPoller(opts);
  poller.readNow();
  const timer = setInterval(() => void poller.poll(), opts.intervalMs ?? watchFlagsDefaults.intervalMs);
  timer.unref();
  return {
    current: poller.current,
    stop: () => clearInterval(timer),
  };
}
