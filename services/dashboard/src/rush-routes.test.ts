import { createLogger } from '@akaso/config';
import type { RushResult } from '@akaso/load';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { createControlGuard } from './control-guard.ts';
import { createRushRunner } from './rush-runner.ts';

const token = 'rush-routes-test-token';
const host = 'localhost:3400';
let app: FastifyInstance;
let started: { settings: unknown; signal: AbortSignal }[] = [];
let endRun: () => void = () => {};

const runner = createRushRunner({
  run: ({ settings, signal }) => {
    started.push({ settings, signal });
    return new Promise<RushResult>((_resolve, reject) => {
      // The rush ends when the test says so (as a failure: the audit is the runner's own test).
      endRun = () => reject(new Error('ended by the test'));
    });
  },
  audit: () => Promise.reject(new Error('not in this test')),
  now: () => 0,
  newRunId: () => 'abc12345',
  logger: { info: () => {}, error: () => {} },
});

beforeAll(async () => {
  app = await buildApp({
    logger: createLogger('dashboard', 'silent'),
    collector: { snapshot: async () => ({}) as never },
    readiness: [],
    control: createControlGuard({ token }),
    rush: runner,
  });
});
afterAll(async () => {
  await app.close();
});

const post = (url: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { host, origin: `http://${host}`, 'x-akaso-control': token, ...headers },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    remoteAddress: '127.0.0.1',
  });

describe('the rush routes', () => {
  it('refuse settings out of bounds or missing with 400 { code, message }, and start nothing', async () => {
    for (const body of [
      { rate: 0, durationS: 10, users: 100 },
      { rate: 401, durationS: 10, users: 100 },
      { rate: 20, durationS: 4, users: 100 },
      { rate: 20, durationS: 1801, users: 100 },
      { rate: 20, durationS: 10, users: 0 },
      { rate: 2.5, durationS: 10, users: 100 },
      { rate: 20, durationS: 10 },
      { rate: 20, durationS: 10, users: 100, mode: 'sync' },
    ]) {
      const res = await post('/api/rush', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    }
    expect(started).toEqual([]);
  });

  it('refuse a start without the control token, or from another site (403)', async () => {
    const settings = { rate: 20, durationS: 10, users: 100 };
    expect((await post('/api/rush', settings, { 'x-akaso-control': 'wrong' })).statusCode).toBe(403);
    expect((await post('/api/rush', settings, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect(started).toEqual([]);
  });

  it('start one rush (202), refuse a second (409), stop it, and show it in GET /api/rush', async () => {
    started = [];
    const res = await post('/api/rush', { rate: 20, durationS: 10, users: 100 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      state: 'running',
      runId: 'abc12345',
      settings: { rate: 20, durationS: 10, users: 100 },
    });
    expect(started).toHaveLength(1);

    const second = await post('/api/rush', { rate: 50, durationS: 60, users: 100 });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'CONFLICT' });

    const stop = await post('/api/rush/stop');
    expect(stop.statusCode).toBe(202);
    expect(stop.json()).toMatchObject({ state: 'stopping', stopped: true });
    expect(started[0]?.signal.aborted).toBe(true);

    const view = await app.inject({ url: '/api/rush', headers: { host } });
    expect(view.headers['cache-control']).toBe('no-store');
    expect(view.json()).toMatchObject({ state: 'stopping', runId: 'abc12345' });

    endRun();
    await runner.settled();
    expect((await post('/api/rush/stop')).statusCode).toBe(409);
  });
});
