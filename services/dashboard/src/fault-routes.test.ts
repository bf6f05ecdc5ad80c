import { createLogger } from '@akaso/config';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { createControlGuard } from './control-guard.ts';
import { localCommand, unavailableReason } from './fault-catalogue.ts';
import { createFaultScheduler } from './fault-scheduler.ts';

const token = 'fault-routes-test-token';
const host = 'localhost:3400';
let app: FastifyInstance;
let now = Date.parse('2026-12-24T12:00:00Z');
const done: string[] = [];
const scheduler = createFaultScheduler({
  runStep: async (step) => {
    done.push(localCommand(step));
  },
  now: () => now,
  // The planned end is checked through remainingS; switching back is the scheduler's own test.
  setTimer: () => undefined,
  clearTimer: () => {},
  unavailable: (v) => unavailableReason(v, { control: 'compose', flags: true }),
});

beforeAll(async () => {
  app = await buildApp({
    logger: createLogger('dashboard', 'silent'),
    collector: { snapshot: async () => ({}) as never },
    readiness: [],
    control: createControlGuard({ token }),
    faults: { scheduler, control: 'compose', flags: true, flagsFile: '/shared/flags.json', now: () => now },
  });
});
afterAll(async () => {
  await app.close();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { host, origin: `http://${host}`, 'x-akaso-control': token, ...headers },
    payload: body as Record<string, unknown>,
    remoteAddress: '127.0.0.1',
  });
const faults = async () => (await app.inject({ url: '/api/faults', headers: { host } })).json();

describe('the fault routes', () => {
  it('list the catalogue with what can run here and, under compose, the command to copy', async () => {
    const body = await faults();
    expect(body.control).toBe('compose');
    const broker = body.faults.find((f: { id: string }) => f.id === 'broker-down');
    expect(broker.variants[1]).toMatchObject({
      id: 'kafka-2',
      unavailable: expect.stringMatching(/Compose/),
      compose: { on: ['docker compose kill kafka-2'], off: ['docker compose start kafka-2'] },
      local: { on: ['pnpm stack kill kafka-2'], off: ['pnpm stack start kafka-2'] },
    });
    const slow = body.faults.find((f: { id: string }) => f.id === 'card-provider-slow');
    expect(slow.variants[0].unavailable).toBeNull();
    expect(slow.variants[0].compose.on[0]).toContain('/shared/flags.json');
  });

  it('refuse a cross-site POST (foreign Origin, or no token) before anything runs', async () => {
    const attempts = [
      post(
        '/api/faults/card-provider-failing/start',
        { variant: '100pct' },
        { origin: 'https://evil.example' },
      ),
      post('/api/faults/card-provider-failing/start', { variant: '100pct' }, { 'x-akaso-control': '' }),
      app.inject({
        method: 'POST',
        url: '/api/faults/card-provider-failing/start',
        headers: { host, origin: 'https://evil.example', 'content-type': 'text/plain' },
        payload: '{"variant":"100pct"}',
        remoteAddress: '127.0.0.1',
      }),
      post('/api/faults/card-provider-failing/stop', {}, { origin: 'https://evil.example' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) });
    }
    expect(done).toEqual([]);
    expect((await faults()).active).toEqual([]);
  });

  it('start a fault from the page, count it down, and stop it early', async () => {
    const started = await post('/api/faults/card-provider-failing/start', {
      variant: '100pct',
      durationS: 10,
    });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ faultId: 'card-provider-failing', remainingS: 10 });
    await scheduler.idle();
    expect(done).toEqual(['flag payment.declineRate = 1']);
    now += 3_500;
    expect((await faults()).active).toMatchObject([{ state: 'on', remainingS: 7 }]);

    const again = await post('/api/faults/card-provider-failing/start', { variant: '50pct' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');

    const stopped = await post('/api/faults/card-provider-failing/stop', {});
    expect(stopped.statusCode).toBe(202);
    await scheduler.idle();
    const body = await faults();
    expect(body.active).toEqual([]);
    expect(body.history[0]).toMatchObject({
      faultId: 'card-provider-failing',
      outcome: 'stopped early',
      startedAt: '2026-12-24T12:00:00.000Z',
      endedAt: '2026-12-24T12:00:03.500Z',
      remainingS: null,
    });
  });

  it('answer bad input with 400 { code, message }, an unknown fault with 404, a fault compose cannot run with 409', async () => {
    const cases: [string, unknown, number, string][] = [
      ['/api/faults/card-provider-slow/start', { variant: 'fast' }, 400, 'VALIDATION_ERROR'],
      ['/api/faults/card-provider-slow/start', { variant: '300ms', durationS: 2 }, 400, 'VALIDATION_ERROR'],
      [
        '/api/faults/card-provider-slow/start',
        { variant: '300ms', durationS: 'long' },
        400,
        'VALIDATION_ERROR',
      ],
      ['/api/faults/card-provider-slow/start', { variant: '300ms', rm: '-rf' }, 400, 'VALIDATION_ERROR'],
      ['/api/faults/card-provider-slow/start', {}, 400, 'VALIDATION_ERROR'],
      ['/api/faults/no-such-fault/start', { variant: 'x' }, 404, 'NOT_FOUND'],
      ['/api/faults/no-such-fault/stop', {}, 404, 'NOT_FOUND'],
      ['/api/faults/smtp-down/stop', {}, 409, 'CONFLICT'],
      ['/api/faults/broker-down/start', { variant: 'kafka-1' }, 409, 'CONFLICT'],
    ];
    for (const [url, body, status, code] of cases) {
      const res = await post(url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json()).toMatchObject({ code, message: expect.any(String) });
    }
  });
});
