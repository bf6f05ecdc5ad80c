import { describeGroupMembers } from '@akaso/kafka';
import { api, eventually, order, uniqueUser, waitForTerminal, withAdmin, withDb } from '@akaso/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { silentReporter, stopProcess } from '../../../scripts/stack/proc.ts';
import { instanceName, startServiceInstance } from '../../../scripts/stack/services.ts';

async function groupMembers(groupId: string) {
  return withAdmin(async (admin) =>
    (await describeGroupMembers(admin, groupId)).members.map((m) => ({
      id: m.memberId,
      partitions: m.assignment,
    })),
  );
}

afterAll(async () => {
  await stopProcess(instanceName('payment', 2));
});

describe('two instances of payment in one consumer group', () => {
  it('share the partitions, and stopping one mid-stream loses and duplicates nothing', async () => {
    // The second instance is slow (300 ms per charge), so it has work in hand when it is stopped.
    await startServiceInstance('payment', 2, silentReporter, { PAYMENT_LATENCY_MS: '300' });
    const members = await eventually(
      'two members in group payment',
      async () => {
        const m = await groupMembers('payment');
        return m.length === 2 && m.every((x) => (x.partitions.inventory ?? []).length > 0) ? m : null;
      },
      60_000,
    );
    const owned = members.flatMap((m) => m.partitions.inventory ?? []).sort((a, b) => a - b);
    expect(owned).toEqual(Array.from({ length: 12 }, (_, i) => i)); // every partition, each once

    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await api<{ orderId: string }>('/orders', {
        method: 'POST',
        body: order(uniqueUser('scale')),
      });
      expect(res.status).toBe(202);
      ids.push(res.body.orderId);
    }
    // Stop instance 2 while it is charging: graceful shutdown finishes the charge in hand,
    // commits, leaves the group; its partitions move to instance 1.
    await eventually('some orders confirmed', async () => {
      const n = await withDb(
        'payment',
        async (c) =>
          (await c.query('select count(*)::int n from payments where order_id = any($1)', [ids])).rows[0].n,
      );
      return n >= 5;
    });
    const killed = await stopProcess(instanceName('payment', 2), 30_000);
    expect(killed).toBe(false); // it exited by itself on SIGTERM

    const final = await Promise.all(ids.map((id) => waitForTerminal(id, 60_000)));
    expect(final.every((o) => o.status === 'confirmed')).toBe(true);
    const rows = await withDb(
      'payment',
      async (c) =>
        (
          await c.query<{ order_id: string; n: number }>(
            'select order_id, count(*)::int n from payments where order_id = any($1) group by order_id',
            [ids],
          )
        ).rows,
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const receipts = await withDb(
      'email',
      async (c) =>
        (
          await c.query<{ n: number }>(
            `select count(*)::int n from sent_emails where kind = 'receipt' and order_id = any($1)`,
            [ids],
          )
        ).rows[0]?.n,
    );
    expect(receipts).toBe(40);
    expect((await groupMembers('payment')).length).toBe(1);
  });
});
