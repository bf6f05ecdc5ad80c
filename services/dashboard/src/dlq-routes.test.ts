import { createLogger } from '@akaso/config';
import type { TopicName } from '@akaso/contracts';
import { dlqBacklog } from '@akaso/kafka';
import { createHttpApp } from '@akaso/service';
import { describe, expect, it } from 'vitest';
import { createControlGuard } from './control-guard.ts';
import { type DeadLetterStore, dlqRoutes, parseDlqTopic } from './dlq-routes.ts';

describe('parseDlqTopic', () => {
  it('accepts a pipeline topic or its DLQ, nothing else', () => {
    expect(parseDlqTopic('orders')).toBe('orders');
    expect(parseDlqTopic('order-status.dlq')).toBe('order-status');
    for (const bad of [
      'orders.dlq.dlq',
      'ORDERS',
      '',
      '.dlq',
      'menu',
      '__consumer_offsets',
      'orders/../payments',
    ]) {
      expect(parseDlqTopic(bad)).toBeNull();
    }
  });
});

/** DLQs in memory: `dead` messages per topic; a replay moves the replay group's mark to the end. */
function memoryStore(dead: Partial<Record<TopicName, number>>) {
  const calls: string[] = [];
  const replayedTo = new Map<TopicName, number>();
  let release: () => void = () => {};
  const gate = { held: false, opened: new Promise<void>((r) => (release = r)) };
  const backlog = (topic: TopicName) =>
    dlqBacklog(
      topic,
      [{ partition: 0, low: '0', high: String(dead[topic] ?? 0) }],
      [{ partition: 0, offset: String(replayedTo.get(topic) ?? -1) }],
    );
  const store: DeadLetterStore = {
    backlog: async (topic) => {
      calls.push(`backlog ${topic}`);
      return backlog(topic);
    },
    list: async (topic) => {
      calls.push(`list ${topic}`);
      return { ...backlog(topic), messages: [], complete: true };
    },
    replay: async (topic) => {
      calls.push(`replay ${topic}`);
      if (gate.held) await gate.opened;
      const replayed = backlog(topic).waiting;
      replayedTo.set(topic, dead[topic] ?? 0);
      return { replayed };
    },
  };
  return { store, calls, hold: () => (gate.held = true), release: () => release() };
}

async function appWith(store: DeadLetterStore) {
  const app = await createHttpApp({ logger: createLogger('dashboard', 'silent'), readiness: [] });
  const control = createControlGuard({ token: 'the-token' });
  control.register(app);
  await app.register(dlqRoutes, { store, control, limit: 10 });
  return app;
}
const withToken = { 'x-akaso-control': 'the-token' };

describe('the DLQ routes', () => {
  it('lists every DLQ with what waits in it', async () => {
    const app = await appWith(memoryStore({ orders: 2, payments: 1 }).store);
    const res = await app.inject('/api/dlq');
    expect(res.statusCode).toBe(200);
    expect(res.json().topics).toEqual([
      { topic: 'orders', dlq: 'orders.dlq', total: 2, waiting: 2 },
      { topic: 'inventory', dlq: 'inventory.dlq', total: 0, waiting: 0 },
      { topic: 'payments', dlq: 'payments.dlq', total: 1, waiting: 1 },
      { topic: 'order-status', dlq: 'order-status.dlq', total: 0, waiting: 0 },
    ]);
  });

  it('reads one DLQ by its topic or its own name; an unknown topic is 404 { code, message }', async () => {
    const { store, calls } = memoryStore({ orders: 3 });
    const app = await appWith(store);
    const one = await app.inject('/api/dlq/orders.dlq');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      topic: 'orders',
      waiting: 3,
      limit: 10,
      complete: true,
      messages: [],
    });
    for (const bad of ['menu', 'orders.dlq.dlq', '__consumer_offsets']) {
      const res = await app.inject(`/api/dlq/${bad}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(bad) });
      const replay = await app.inject({ method: 'POST', url: `/api/dlq/${bad}/replay`, headers: withToken });
      expect(replay.statusCode).toBe(404);
    }
    expect(calls).toEqual(['list orders']);
  });

  it('replays only through the control guard, then reports the DLQ empty', async () => {
    const { store, calls } = memoryStore({ orders: 3 });
    const app = await appWith(store);
    const refused = [
      await app.inject({ method: 'POST', url: '/api/dlq/orders/replay' }),
      await app.inject({
        method: 'POST',
        url: '/api/dlq/orders/replay',
        headers: { 'x-akaso-control': 'guess' },
      }),
      await app.inject({
        method: 'POST',
        url: '/api/dlq/orders/replay',
        headers: { ...withToken, origin: 'https://evil.example' },
      }),
    ];
    for (const res of refused) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(calls).toEqual([]);
    const ok = await app.inject({ method: 'POST', url: '/api/dlq/orders/replay', headers: withToken });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ topic: 'orders', replayed: 3, waiting: 0 });
    expect((await app.inject('/api/dlq/orders')).json()).toMatchObject({ waiting: 0, total: 3 });
  });

  it('a second replay click while one runs waits for it instead of starting another', async () => {
    const memory = memoryStore({ payments: 2 });
    memory.hold();
    const app = await appWith(memory.store);
    const first = app.inject({ method: 'POST', url: '/api/dlq/payments/replay', headers: withToken });
    const second = app.inject({ method: 'POST', url: '/api/dlq/payments/replay', headers: withToken });
    await expect.poll(() => memory.calls.filter((c) => c.startsWith('replay')).length).toBe(1);
    memory.release();
    const answers = (await Promise.all([first, second])).map((r) => r.json());
    expect(answers).toEqual([
      { topic: 'payments', replayed: 2, waiting: 0 },
      { topic: 'payments', replayed: 2, waiting: 0 },
    ]);
    expect(memory.calls.filter((c) => c.startsWith('replay'))).toEqual(['replay payments']);
  });

  it('a cluster that does not answer is 503 { code, message }', async () => {
    const down: DeadLetterStore = {
      backlog: async () => {
        throw new Error('Connection timeout');
      },
      list: async () => {
        throw new Error('Connection timeout');
      },
      replay: async () => {
        throw new Error('replay of orders.dlq did not finish in time');
      },
    };
    const app = await appWith(down);
    for (const res of [
      await app.inject('/api/dlq'),
      await app.inject('/api/dlq/orders'),
      await app.inject({ method: 'POST', url: '/api/dlq/orders/replay', headers: withToken }),
    ]) {
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    }
  });
});
