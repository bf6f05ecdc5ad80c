import { describe, expect, it } from 'vitest';
import { runKeyed } from './keyed.ts';

interface Msg {
  key: string;
  ms: number;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keyOf = (m: Msg) => m.key;

/** Runs `messages`, recording start/finish order and the highest number running at once. */
async function record(messages: Msg[], concurrency: number, failAt?: number) {
  const events: string[] = [];
  const prefixes: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const result = await runKeyed(messages, {
    concurrency,
    keyOf,
    onPrefix: (i) => prefixes.push(i),
    async process(m, i) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${i}`);
      await sleep(m.ms);
      running--;
      if (i === failAt) throw new Error(`boom at ${i}`);
      events.push(`end ${i}`);
    },
  });
  return { events, prefixes, maxRunning, result };
}

describe('runKeyed: per-key concurrency inside a partition', () => {
  it('keeps each key in offset order while other keys overtake', async () => {
    // a's first message is slow; b's messages run meanwhile; a's second waits for a's first.
    const { events, result } = await record(
      [
        { key: 'a', ms: 60 },
        { key: 'b', ms: 5 },
        { key: 'a', ms: 5 },
        { key: 'b', ms: 5 },
      ],
      4,
    );
    expect(events.indexOf('end 0')).toBeLessThan(events.indexOf('start 2'));
    expect(events.indexOf('end 3')).toBeLessThan(events.indexOf('end 0'));
    expect(events.indexOf('end 1')).toBeLessThan(events.indexOf('start 3'));
    expect(result).toEqual({ doneThrough: 3, error: undefined });
  });

  it('never runs more than `concurrency` at once, and runs distinct keys in parallel', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, ms: 20 }));
    expect((await record(messages, 3)).maxRunning).toBe(3);
    expect((await record(messages, 1)).maxRunning).toBe(1);
  });

  it('reports only the done prefix: a slow early message holds back the commit point', async () => {
    const { prefixes } = await record(
      [
        { key: 'slow', ms: 60 },
        { key: 'b', ms: 1 },
        { key: 'c', ms: 1 },
      ],
      3,
    );
    // 1 and 2 finish first, but nothing is committable until 0 is done; then all three at once.
    expect(prefixes).toEqual([2]);
  });

  it('on a failure starts nothing more and reports the prefix before it', async () => {
    const { events, result } = await record(
      [
        { key: 'a', ms: 1 },
        { key: 'b', ms: 30 },
        { key: 'b', ms: 1 },
        { key: 'c', ms: 1 },
        { key: 'd', ms: 1 },
      ],
      2,
      1,
    );
    expect(result.doneThrough).toBe(0);
    expect((result.error as Error).message).toBe('boom at 1');
    expect(events).not.toContain('start 2'); // b's next message never runs after b failed
    expect(events).not.toContain('start 4');
  });

  it('stops launching when asked (shutdown, rebalance) and lets in-flight work finish', async () => {
    let stop = false;
    const started: number[] = [];
    const result = await runKeyed(
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, ms: 10 })),
      {
        concurrency: 2,
        keyOf,
        shouldStop: () => stop,
        async process(m, i) {
          started.push(i);
          if (i === 1) stop = true;
          await sleep(m.ms);
        },
      },
    );
    expect(started).toEqual([0, 1]);
    expect(result.doneThrough).toBe(1);
  });
});
