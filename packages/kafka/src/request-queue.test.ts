import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';

// A unit test of our kafkajs patch (infra/patches/kafkajs@2.2.4.patch) on kafkajs' own request
// queue, one per broker connection: an idle queue must not keep a timer loop running.
const require = createRequire(import.meta.url);
const kafkajsRoot = require.resolve('kafkajs').replace(/index\.js$/, '');
const RequestQueue = require(`${kafkajsRoot}src/network/requestQueue/index.js`);

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kafkajs request queue (patched)', () => {
  const queues: { destroy(): void }[] = [];
  afterEach(() => {
    for (const q of queues.splice(0)) q.destroy();
  });

  function queue() {
    const q = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'test',
      broker: 'localhost:9092',
      logger,
    });
    queues.push(q);
    const sent: number[] = [];
    let checks = 0;
    const check = q.checkPendingRequests.bind(q);
    q.checkPendingRequests = () => {
      checks++;
      check();
    };
    const push = (correlationId: number) =>
      new Promise((resolve, reject) =>
        q.push({
          entry: { correlationId, apiName: 'Fetch', apiKey: 1, apiVersion: 11, resolve, reject },
          expectResponse: true,
          sendRequest: () => sent.push(correlationId),
        }),
      );
    const answer = (correlationId: number) =>
      q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
    return { sent, push, answer, checks: () => checks };
  }

  it('checks its pending requests once when a response arrives, then stays quiet while idle', async () => {
    const q = queue();
    const done = q.push(1);
    q.answer(1);
    await done;
    const afterAnswer = q.checks();
    await sleep(100);
    // Upstream 2.2.4 re-armed a 1 ms timer on every check, so an idle queue never stopped checking.
    expect(q.checks() - afterAnswer).toBe(0);
  });

  it('still sends a request that had to wait for a free in-flight slot, as soon as the slot frees', async () => {
    const q = queue();
    const first = q.push(1);
    const second = q.push(2); // maxInFlightRequests 1: waits
    expect(q.sent).toEqual([1]);
    q.answer(1);
    await first;
    expect(q.sent).toEqual([1, 2]);
    q.answer(2);
    await second;
  });
});
