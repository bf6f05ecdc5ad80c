import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFlags } from './flags.ts';
import { createFlagsPoller, watchFlags } from './watch-flags.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'akaso-flags-'));
  file = join(dir, 'flags.json');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const quietLogger = () => ({ info: vi.fn(), warn: vi.fn() });

describe('the flags poller', () => {
  it('starts with the file as it is, and with no flags when there is none', async () => {
    await writeFlags(file, { 'payment.latencyMs': 300 });
    const present = createFlagsPoller({ file });
    present.readNow();
    expect(present.current()).toEqual({ 'payment.latencyMs': 300 });
    const absent = createFlagsPoller({ file: join(dir, 'none.json') });
    absent.readNow();
    expect(absent.current()).toEqual({});
  });

  it('takes a changed file on the next poll and tells onChange, once per change', async () => {
    const onChange = vi.fn();
    const poller = createFlagsPoller({ file, onChange });
    poller.readNow();
    await writeFlags(file, { 'payment.declineRate': 1 });
    expect(poller.current()).toEqual({});
    await poller.poll();
    expect(poller.current()).toEqual({ 'payment.declineRate': 1 });
    await poller.poll();
    await writeFlags(file, { 'payment.declineRate': 0.1 });
    await poller.poll();
    expect(poller.current()).toEqual({ 'payment.declineRate': 0.1 });
    expect(onChange.mock.calls).toEqual([[{ 'payment.declineRate': 1 }], [{ 'payment.declineRate': 0.1 }]]);
  });

  it('keeps the last good flags while the file is invalid, logging it once per version', async () => {
    const logger = quietLogger();
    await writeFlags(file, { 'email.delayMs': 500 });
    const poller = createFlagsPoller({ file, logger });
    poller.readNow();
    await writeFile(file, '{ "email.delayMs": 5');
    await poller.poll();
    await poller.poll();
    expect(poller.current()).toEqual({ 'email.delayMs': 500 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    await writeFile(file, '{ "email.delayMs": 99999 }');
    await poller.poll();
    expect(poller.current()).toEqual({ 'email.delayMs': 500 });
    expect(logger.warn).toHaveBeenCalledTimes(2);
    await writeFile(file, '{ "email.delayMs": 50 }');
    await poller.poll();
    expect(poller.current()).toEqual({ 'email.delayMs': 50 });
  });

  it('switches every flag back when the file is removed, and takes it again when it returns', async () => {
    const onChange = vi.fn();
    await writeFlags(file, { 'inventory.delayMs': 100 });
    const poller = createFlagsPoller({ file, onChange });
    poller.readNow();
    await unlink(file);
    await poller.poll();
    expect(poller.current()).toEqual({});
    await writeFlags(file, { 'inventory.delayMs': 100 });
    await poller.poll();
    expect(poller.current()).toEqual({ 'inventory.delayMs': 100 });
    expect(onChange.mock.calls).toEqual([[{}], [{ 'inventory.delayMs': 100 }]]);
  });

  it('a deleted key switches that flag back alone', async () => {
    await writeFlags(file, { 'payment.latencyMs': 1500, 'payment.declineRate': 0.5 });
    const poller = createFlagsPoller({ file });
    poller.readNow();
    await writeFlags(file, { 'payment.declineRate': 0.5 });
    await poller.poll();
    expect(poller.current()).toEqual({ 'payment.declineRate': 0.5 });
  });
});

describe('watchFlags', () => {
  it('polls on its interval, with a timer that does not hold the process, until stopped', async () => {
    vi.useFakeTimers();
    const changed: unknown[] = [];
    let next: (() => void) | null = null;
    const watcher = watchFlags({
      file,
      intervalMs: 500,
      onChange: (flags) => {
        changed.push(flags);
        next?.();
      },
    });
    expect(vi.getTimerCount()).toBe(1);
    await writeFlags(file, { 'payment.latencyMs': 1500 });
    await vi.advanceTimersByTimeAsync(499);
    expect(watcher.current()).toEqual({});
    // The poll's file reads are real I/O: wait for onChange rather than for time.
    await new Promise<void>((resolve) => {
      next = resolve;
      void vi.advanceTimersByTimeAsync(1);
    });
    expect(watcher.current()).toEqual({ 'payment.latencyMs': 1500 });
    watcher.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(changed).toEqual([{ 'payment.latencyMs': 1500 }]);
  });

  it('unrefs its timer', () => {
    const unref = vi.spyOn(globalThis, 'setInterval');
    const watcher = watchFlags({ file });
    const timer = unref.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    watcher.stop();
    unref.mockRestore();
  });
});
