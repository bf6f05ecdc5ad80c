import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStreamHub, type StreamLimits, streamLimitDefaults } from './status-streams.ts';

/** The stream hub's own bounds, with fake timers (the HTTP side is test/status-streams.test.ts). */
function fakeResponse() {
  const written: string[] = [];
  return {
    written,
    ended: false,
    writeHead() {
      return this;
    },
    write(chunk: string) {
      written.push(chunk);
      return true;
    },
    end() {
      this.ended = true;
    },
  };
}

const hub = (limits: Partial<StreamLimits> = {}) =>
  createStreamHub({
    orders: { historySince: async () => [] },
    feed: { subscribe: () => () => {} },
    logger: { warn() {} } as unknown as FastifyBaseLogger,
    ...streamLimitDefaults,
    ...limits,
  });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the stream hub', () => {
  it('ends a stream after its maximum lifetime and frees its slots', async () => {
    const streams = hub({ maxLifetimeMs: 60_000, maxStreamsPerClient: 1 });
    const res = fakeResponse();
    const opened = streams.claim('order-1', '10.0.0.1').open('order-1', res as unknown as ServerResponse);
    opened.start([]);
    expect(() => streams.claim('order-2', '10.0.0.1')).toThrow(/this client already has 1/);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(res.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(res.ended).toBe(true);
    expect(streams.open).toBe(0);
    expect(() => streams.claim('order-2', '10.0.0.1')).not.toThrow();
  });

  it('counts each client address apart', () => {
    const streams = hub({ maxStreamsPerClient: 2 });
    streams.claim('a', '10.0.0.1');
    streams.claim('b', '10.0.0.1');
    expect(() => streams.claim('c', '10.0.0.1')).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_STREAMS' }),
    );
    expect(() => streams.claim('c', '10.0.0.2')).not.toThrow();
  });
});
