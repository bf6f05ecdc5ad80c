import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  createKafka,
  type Kafka,
  ResourcePatternTypes,
} from '@akaso/kafka';
import { secureBootstrapServers } from '@akaso/stack-client';
import { upsertScramUser } from '../stack/kafka-users.ts';
import { ensureLabTopic, type Lab, labId, labKafka, until, withAdmin, withProducer } from './lab.ts';

/** The secured topic: it carries ACLs, so only the principals named there may use it. */
export const secureTopic = 'secure.orders';

/**
 * Example credentials for a local sandbox only: NOT secrets, never reuse them anywhere.
 * One SCRAM user per service, as a real deployment would have.
 */
export const exampleUsers = {
  'order-api': 'order-api-example-password',
  inventory: 'inventory-example-password',
  email: 'email-example-password',
} as const;
type User = keyof typeof exampleUsers;

const secureClient = (user: User, password: string = exampleUsers[user]): Kafka =>
  createKafka({
    clientId: `lab10-${user}`,
    brokers: process.env.KAFKA_SECURE_BROKERS?.split(',') ?? secureBootstrapServers,
    logLevel: 'nothing',
    sasl: { mechanism: 'scram-sha-512', username: user, password },
  });

const opName = (op: number) => Object.entries(AclOperationTypes).find(([, v]) => v === op)?.[0] ?? String(op);

function describeError(err: unknown): string {
  const e = err as { type?: string; message?: string; originalError?: { type?: string; message?: string } };
  return [e.type ?? e.originalError?.type, e.message].filter(Boolean).join(': ');
}

async function attempt(fn: () => Promise<unknown>): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    return describeError(err);
  }
}

/**
 * The cluster's SASL_PLAINTEXT listener (SCRAM-SHA-512) with per-service ACLs on `secure.orders`:
 * order-api may write, inventory may read, email has no rights there and is refused with
 * TOPIC_AUTHORIZATION_FAILED; a wrong password does not even connect.
 */
export const lab: Lab = {
  id: 10,
  slug: 'security',
  title: 'Security: SASL/SCRAM and ACLs',
  minutes: 25,
  async verify(report, log) {
    const plain = labKafka();
    log('creating the SCRAM users with kafka-configs…');
    for (const [user, password] of Object.entries(exampleUsers)) await upsertScramUser(user, password);
    // provisionTopics via the PLAINTEXT (super user) admin, as the other topics; it is named
    // secure.* rather than lab.*, so it is created here.
    await withAdmin(plain, async (admin) => {
      const existing = await admin.listTopics();
      if (!existing.includes(secureTopic)) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: secureTopic,
              numPartitions: 3,
              replicationFactor: 3,
              configEntries: [{ name: 'min.insync.replicas', value: '2' }],
            },
          ],
        });
      }
      const acl = (principal: string, operation: AclOperationTypes) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: secureTopic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      });
      await admin.createAcls({
        acl: [
          acl('User:order-api', AclOperationTypes.WRITE),
          acl('User:order-api', AclOperationTypes.DESCRIBE),
          acl('User:inventory', AclOperationTypes.READ),
          acl('User:inventory', AclOperationTypes.DESCRIBE),
        ],
      });
      const acls = await admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: secureTopic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const lines = acls.resources.flatMap((r) => r.acls.map((a) => `${a.principal} ${opName(a.operation)}`));
      report.figure(`ACLs on ${secureTopic}`, lines.sort().join(', '));
    });
    await ensureLabTopic(plain, 'lab.security-check', 1);

    const value = `order-${labId()}`;
    // SCRAM credentials propagate through the metadata log: the first login may come a moment early.
    const produced = await until(
      'order-api to authenticate and write',
      async () =>
        (await attempt(() =>
          withProducer(secureClient('order-api'), (p) =>
            p.send({ topic: secureTopic, acks: -1, messages: [{ key: 'alice', value }] }),
          ),
        )) === null
          ? true
          : null,
      60_000,
      2_000,
    );
    report.check('order-api (WRITE on secure.orders) produces over SASL/SCRAM', produced === true);

    const reader = secureClient('inventory').consumer({
      groupId: `lab10-inventory-${labId()}`,
      allowAutoTopicCreation: false,
    });
    let got = false;
    await reader.connect();
    try {
      await reader.subscribe({ topic: secureTopic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === value) got = true;
        },
      });
      await until('inventory to read the message', async () => got, 60_000, 500);
    } finally {
      await reader.disconnect();
    }
    report.check('inventory (READ on secure.orders) consumes it', got);

    const refused = await attempt(() =>
      withProducer(secureClient('email'), (p) =>
        p.send({ topic: secureTopic, acks: -1, messages: [{ key: 'mallory', value: 'x' }] }),
      ),
    );
    report.check(
      'email (no ACL on secure.orders) is refused: TOPIC_AUTHORIZATION_FAILED',
      refused !== null && /TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i.test(refused),
      refused ?? 'the write was accepted',
    );
    const inventoryWrite = await attempt(() =>
      withProducer(secureClient('inventory'), (p) =>
        p.send({ topic: secureTopic, acks: -1, messages: [{ key: 'x', value: 'x' }] }),
      ),
    );
    report.check(
      'inventory may read but not write',
      inventoryWrite !== null && /AUTHORIZATION/i.test(inventoryWrite),
      inventoryWrite ?? 'the write was accepted',
    );
    const badLogin = await attempt(() =>
      withAdmin(secureClient('order-api', 'wrong-password'), (a) => a.listTopics()),
    );
    report.check(
      'a wrong password cannot connect',
      badLogin !== null && /SASL|authentication/i.test(badLogin),
      badLogin ?? 'connected',
    );
    const open = await attempt(() =>
      withProducer(secureClient('email'), (p) =>
        p.send({ topic: 'lab.security-check', acks: -1, messages: [{ key: 'k', value: 'v' }] }),
      ),
    );
    report.check(
      'topics without ACLs stay open (allow.everyone.if.no.acl.found, the pipeline is unaffected)',
      open === null,
      open ?? 'written',
    );
  },
};
