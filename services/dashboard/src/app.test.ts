import { createLogger } from '@akaso/config';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import type { Snapshot } from './snapshot.ts';

const snapshot: Snapshot = {
  at: '2026-12-24T12:00:00.000Z',
  intervalMs: 1000,
  cluster: {
    clusterId: 'lRDRB_nK67MpksDU4R2h_w',
    controllerId: 1,
    brokers: [
      { nodeId: 1, address: '127.0.0.1:19092', configured: true, up: true, controller: true, leaderOf: 1 },
      { nodeId: 2, address: '127.0.0.1:29092', configured: true, up: false, controller: false, leaderOf: 0 },
    ],
    partitions: 1,
    underReplicated: 1,
    offline: 0,
  },
  topics: [
    {
      name: 'orders',
      dlq: false,
      messages: 10,
      underReplicated: 1,
      partitions: [
        {
          partition: 0,
          leader: 1,
          replicas: [1, 2, 3],
          isr: [1, 3],
          underReplicated: true,
          startOffset: 0,
          endOffset: 10,
        },
      ],
    },
  ],
  groups: [
    {
      groupId: 'inventory',
      state: 'Stable',
      members: [
        { memberId: 'inventory-1', clientId: 'inventory', host: '/127.0.0.1', assignment: { orders: [0] } },
      ],
      partitions: [{ topic: 'orders', partition: 0, end: 10, committed: 7, lag: 3, owner: 'inventory-1' }],
      totalLag: 3,
    },
  ],
  rebalances: [
    {
      at: '2026-12-24T11:59:00.000Z',
      groupId: 'inventory',
      from: 2,
      to: 1,
      joined: [],
      left: ['inventory'],
      reassigned: true,
      summary: 'inventory: 2 → 1 members (1 left); partitions reassigned',
    },
  ],
  funnel: {
    totals: { placed: 10, refused: 1, reserved: 9, confirmed: 8, rejected: 1, emailed: 17 },
    points: [
      {
        at: '2026-12-24T12:00:00.000Z',
        rates: { placed: 2, refused: 0, reserved: 1.5, confirmed: 1, rejected: 0, emailed: 2 },
      },
    ],
  },
  outbox: {
    backlog: 4,
    targets: [
      {
        url: 'http://127.0.0.1:3000',
        service: 'order-api',
        up: true,
        outboxBacklog: 4,
        deadLettered: 0,
        ready: true,
        failing: {},
        readiness: 'ready',
      },
      {
        url: 'http://127.0.0.1:3200',
        service: 'payment',
        up: true,
        outboxBacklog: 0,
        deadLettered: 0,
        ready: false,
        failing: { consumer: 'not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432' },
        readiness: 'not ready: consumer: not consuming for 12s: connect ECONNREFUSED 127.0.0.1:5432',
      },
    ],
  },
  dlq: [{ topic: 'orders.dlq', messages: 0 }],
  errors: ['metrics of http://127.0.0.1:3300: fetch failed'],
};

async function app() {
  return buildApp({
    logger: createLogger('dashboard', 'silent'),
    collector: { snapshot: async () => snapshot },
    readiness: [],
  });
}

describe('the dashboard app', () => {
  it('serves the snapshot whole (the response schema drops nothing)', async () => {
    const res = await (await app()).inject('/api/snapshot');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual(snapshot);
  });

  it('serves the page, with the panel titles the labs refer to', async () => {
    const server = await app();
    const page = await server.inject('/');
    expect(page.statusCode).toBe(200);
    for (const title of [
      'Cluster',
      'Topics',
      'Consumer groups',
      'Rebalances',
      'Funnel',
      'Outbox &amp; DLQ',
    ]) {
      expect(page.body).toContain(`<h2>${title}</h2>`);
    }
    expect((await server.inject('/dashboard.js')).statusCode).toBe(200);
  });
});
