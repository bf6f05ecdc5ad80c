import { orderRef, topics } from '@akaso/contracts';
import { describeGroupMembers } from '@akaso/kafka';
import pg from 'pg';
import {
  type Kafka,
  type Lab,
  labId,
  labKafka,
  labOrder,
  labStack,
  postOrder,
  readTopic,
  until,
  waitTerminal,
  withAdmin,
} from './lab.ts';
import { instanceRunning, startInstance, stopInstance } from './stack-control.ts';

const group = 'email';
const replayed = [topics.orderStatus, topics.payments];

/**
 * The inbox's newest mail and its total. The newest one is what tells whether a mail arrived:
 * Mailpit keeps a bounded number of mails (the stack's --max), so once full its total stays
 * the same while new mails push the oldest out.
 */
async function inbox(): Promise<{ newest: string; total: number }> {
  const res = await fetch(`${labStack.mailpit}/api/v1/messages?limit=1`);
  const page = (await res.json()) as { messages_count: number; messages: { ID: string }[] };
  return { newest: page.messages[0]?.ID ?? '', total: page.messages_count };
}

async function mailsForOrder(orderId: string): Promise<number> {
  const q = encodeURIComponent(`subject:"${orderRef(orderId)}"`);
  const res = await fetch(`${labStack.mailpit}/api/v1/search?query=${q}&limit=50`);
  return ((await res.json()) as { messages_count: number }).messages_count;
}

/** (order, kind) of every mail recorded as sent, and when: the service's own record of what went out. */
async function sentMails(): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: `${labStack.postgres}/email` });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; sent_at: string }>(
      `SELECT order_id || '/' || kind AS key, sent_at::text AS sent_at FROM sent_emails WHERE status = 'sent'`,
    );
    return new Map(rows.map((r) => [r.key, r.sent_at]));
  } finally {
    await client.end();
  }
}

async function sentEmailRows(): Promise<number> {
  const client = new pg.Client({ connectionString: `${labStack.postgres}/email` });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM sent_emails');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Committed offset of the group minus the end of each partition, over the replayed topics. */
async function lag(kafka: Kafka, ends: Map<string, Map<number, bigint>>): Promise<bigint> {
  return withAdmin(kafka, async (admin) => {
    let total = 0n;
    for (const t of replayed) {
      const [c] = await admin.fetchOffsets({ groupId: group, topics: [t] });
      for (const [p, end] of ends.get(t) ?? []) {
        const off = BigInt(c?.partitions.find((x) => x.partition === p)?.offset ?? '-1');
        total += end - (off < 0n ? 0n : off);
      }
    }
    return total;
  });
}

/**
 * Resets the email group to the beginning of its topics and lets it re-read everything: the
 * service's (order, kind) dedupe means no customer gets a second email. Then rebuilds a small
 * projection (an order's status) by replaying order-status from the beginning.
 */
export const lab: Lab = {
  id: 5,
  slug: 'replay',
  title: 'Replay: reset a group, rebuild a projection',
  minutes: 20,
  async verify(report, log) {
    const kafka = labKafka();
    const user = `lab5-${labId()}`;
    const placed = await postOrder(labOrder(user, 1));
    if (placed.status !== 202 || !placed.orderId) throw new Error(`POST /orders answered ${placed.status}`);
    const orderId = placed.orderId;
    const status = await waitTerminal(orderId, 90_000);
    await until(
      `the confirmation and the receipt of ${orderRef(orderId)}`,
      async () => (await mailsForOrder(orderId)) >= 2,
      60_000,
      500,
    );
    // Let every mail of earlier work land first, so any newer mail means a duplicate.
    const mailsBefore = await until(
      'the inbox to settle',
      async () => {
        const a = await inbox();
        await new Promise((r) => setTimeout(r, 2_000));
        return (await inbox()).newest === a.newest ? a : null;
      },
      60_000,
      0,
    );
    const rowsBefore = await sentEmailRows();
    const sentBefore = await sentMails();

    if (!instanceRunning('email', 1)) throw new Error('email-1 is not running: start the stack first');
    log('stopping the email service (a group with members cannot be reset)…');
    await stopInstance('email', 1);
    let ends = new Map<string, Map<number, bigint>>();
    let toReplay = 0n;
    try {
      await until(
        'the email group to be empty',
        () =>
          withAdmin(kafka, async (a) =>
            ['Empty', 'Dead'].includes((await describeGroupMembers(a, group)).state),
          ),
        60_000,
        500,
      );
      await withAdmin(kafka, async (admin) => {
        for (const t of replayed) await admin.resetOffsets({ groupId: group, topic: t, earliest: true });
        ends = new Map(
          await Promise.all(
            replayed.map(
              async (t) =>
                [
                  t,
                  new Map((await admin.fetchTopicOffsets(t)).map((o) => [o.partition, BigInt(o.high)])),
                ] as const,
            ),
          ),
        );
      });
      toReplay = await lag(kafka, ends);
    } finally {
      log('starting the email service again: it re-reads everything…');
      await startInstance('email', 1);
    }
    report.check(
      'the reset rewound the group to the beginning',
      toReplay > 0n,
      `${toReplay} events to re-read`,
    );
    const started = Date.now();
    await until(
      'the email group to catch up with the replay',
      async () => (await lag(kafka, ends)) <= 0n,
      300_000,
      2_000,
    );
    report.figure('replay took (s)', ((Date.now() - started) / 1000).toFixed(1));
    const mailsAfter = await inbox();
    // A mail sent again would be marked sent again (a new sent_at) on a row already sent. Mails
    // never sent before (dead-lettered earlier: a recipient refused) may go out now, once.
    const sentAfter = await sentMails();
    const again = [...sentBefore].filter(([key, at]) => sentAfter.get(key) !== at).length;
    const firstTime = [...sentAfter.keys()].filter((key) => !sentBefore.has(key)).length;
    report.check(
      'no customer got a second email',
      again === 0 && mailsAfter.total - mailsBefore.total <= firstTime,
      `${again} sent again; ${mailsAfter.total - mailsBefore.total} new mails in Mailpit, ${firstTime} of them never sent before`,
    );
    report.check(
      'the sent-mail log did not grow',
      (await sentEmailRows()) === rowsBefore,
      `${rowsBefore} rows`,
    );
    report.check('this order still has exactly its 2 mails', (await mailsForOrder(orderId)) === 2);

    // A projection rebuilt from the log alone: the order's last status event decides.
    const events = (await readTopic(kafka, topics.orderStatus, { timeoutMs: 120_000 })).filter(
      (m) => m.key === user,
    );
    const projection = new Map<string, string>();
    for (const m of events) {
      const e = JSON.parse(m.value ?? '{}') as { orderId: string; type: string };
      projection.set(e.orderId, e.type === 'OrderConfirmed' ? 'confirmed' : 'rejected');
    }
    report.check(
      'a projection rebuilt by replaying order-status agrees with the API',
      projection.get(orderId) === status,
      `replayed ${events.length} event(s) of ${user}: ${projection.get(orderId)} (API: ${status})`,
    );
  },
};
