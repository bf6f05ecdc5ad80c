import { describeGroupMembers } from '@akaso/kafka';
import {
  api,
  chargesAtProvider,
  eventually,
  mailsByKind,
  order,
  uniqueUser,
  waitForTerminal,
  withAdmin,
  withDb,
} from '@akaso/testkit';
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

/** Messages in the given partitions of `inventory` that group payment has not committed yet. */
async function uncommitted(partitions: number[]): Promise<number> {
  return withAdmin(async (admin) => {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets('inventory'),
      admin.fetchOffsets({ groupId: 'payment', topics: ['inventory'] }),
    ]);
    return partitions.reduce((n, p) => {
      const end = ends.find((o) => o.partition === p);
      const done = committed?.partitions.find((o) => o.partition === p)?.offset ?? '-1';
      const from = BigInt(done) >= 0n ? BigInt(done) : BigInt(end?.low ?? '0');
      return n + Number(BigInt(end?.high ?? '0') - from);
    }, 0);
  });
}

afterAll(async () => {
  await stopProcess(instanceName('payment', 2));
});

describe('two instances of payment in one consumer group', () => {
  it('share the partitions, and stopping one with charges in hand loses and duplicates nothing', async () => {
    const alone = await groupMembers('payment');
    expect(alone).toHaveLength(1);
    // The second instance is slow (2 s per charge), so it still has charges in hand when stopped.
    await startServiceInstance('payment', 2, silentReporter, { PAYMENT_LATENCY_MS: '2000' });
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
    // The first instance keeps its member id across the rebalance: the other one is instance 2.
    const second = members.find((m) => m.id !== alone[0]?.id)?.partitions.inventory ?? [];
    expect(second.length).toBeGreaterThan(0);

    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await api<{ orderId: string }>('/orders', {
        method: 'POST',
        body: order(uniqueUser('scale')),
      });
      expect(res.status).toBe(202);
      ids.push(res.body.orderId);
    }
    // Instance 1 is fast: once it has paid some, the reservations have reached instance 2 too,
    // which is still sleeping through its 2 s charges.
    await eventually('some orders paid', async () => {
      const n = await withDb(
        'payment',
        async (c) =>
          (await c.query('select count(*)::int n from payments where order_id = any($1)', [ids])).rows[0].n,
      );
      return n >= 5;
    });
    // Work in hand: messages in instance 2's partitions it has not committed yet.
    const inHand = await uncommitted(second);
    expect(inHand).toBeGreaterThan(0);
    // Graceful shutdown finishes the charges in hand, commits, leaves the group; its partitions
    // move to instance 1, which must neither lose nor repeat what instance 2 had.
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
    // The table's primary key allows one row per order whatever happens; the card provider does
    // not: exactly one charge (one idempotency key answered with success) per order.
    const charges = await chargesAtProvider(ids);
    expect(ids.filter((id) => charges.get(id)?.chargedKeys.length !== 1)).toEqual([]);
    // …and one receipt per order in the SMTP sink (the sent-mail log is deduplicated by its key).
    // The confirmation takes one hop more than the receipt (through the order-status projector):
    // wait for both kinds before counting them.
    const receipts = await eventually('40 receipts and 40 confirmations', async () => {
      const kinds = await Promise.all(ids.map((id) => mailsByKind(id)));
      return kinds.every((k) => (k.receipt ?? 0) >= 1 && (k.confirmation ?? 0) >= 1) ? kinds : null;
    });
    expect(receipts.filter((k) => k.receipt !== 1 || k.confirmation !== 1)).toEqual([]);
    expect((await groupMembers('payment')).length).toBe(1);
  });
});
