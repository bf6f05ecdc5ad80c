import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createKafka, describeClusterState } from '@akaso/kafka';
import { bootstrapServers, controllerQuorumVoters, host, type KafkaNode, kafka } from '@akaso/stack-client';
import { ensureKafkaTls, kafkaTls, localSaslUser } from './kafka-tls.ts';
import { cacheDir, dataDir, readVersions, repoRoot } from './paths.ts';
import {
  capture,
  isAlive,
  portOpen,
  type Reporter,
  runningPid,
  runToLog,
  signal,
  startDetached,
  stopProcess,
  waitFor,
  withProgress,
} from './proc.ts';

const versions = readVersions();
export const kafkaVersion = versions.KAFKA_VERSION;
export const libDir = join(cacheDir, `kafka-${kafkaVersion}`, 'libs');
const libsComplete = join(libDir, '.complete');

export const nodeName = (node: KafkaNode) => `kafka-${node.id}`;
export const nodeDir = (node: KafkaNode) => join(dataDir, 'kafka', `node-${node.id}`);
const nodeLogDir = (node: KafkaNode) => join(nodeDir(node), 'logs');
const nodeProps = (node: KafkaNode) => join(nodeDir(node), 'server.properties');

// The jar set depends on the pom as well as the version (e.g. which slf4j-api it resolves): a
// changed pom fetches again.
const pomHash = () =>
  createHash('sha256')
    .update(readFileSync(join(repoRoot, 'infra', 'kafka', 'pom.xml')))
    .update(versions.LOG4J_VERSION ?? '')
    .digest('hex')
    .slice(0, 16);

export const kafkaJarsPresent = (): boolean =>
  existsSync(libsComplete) && readFileSync(libsComplete, 'utf8').includes(`pom ${pomHash()}`);

/** Fetches the broker's runtime jars from Maven Central once per Kafka version and pom (cached in $HOME). */
export async function ensureKafkaJars(reporter: Reporter): Promise<void> {
  if (kafkaJarsPresent()) return;
  await withProgress(
    reporter,
    `fetching Kafka ${kafkaVersion} jars from Maven Central into ${libDir}`,
    async () => {
      rmSync(libDir, { recursive: true, force: true });
      const log = join(dataDir, 'logs', 'maven-kafka.log');
      await runToLog(
        'mvn',
        [
          '-B',
          '--no-transfer-progress',
          '-f',
          join(repoRoot, 'infra', 'kafka', 'pom.xml'),
          'package',
          `-Dkafka.version=${kafkaVersion}`,
          `-Dlog4j.version=${versions.LOG4J_VERSION}`,
          `-Dkafka.libDir=${libDir}`,
        ],
        log,
      );
      const jars = readdirSync(libDir).filter((f) => f.endsWith('.jar'));
      if (!jars.includes(`kafka_2.13-${kafkaVersion}.jar`))
        throw new Error(`Maven did not deliver kafka_2.13 (${log})`);
      writeFileSync(libsComplete, `${jars.length} jars, pom ${pomHash()}\n`);
    },
  );
}

/** Broker properties as `key=value,key=value` (AKASO_KAFKA_PROPS, the bench's --kafka-props). */
export function parseKafkaProps(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const kv of text.split(',').filter(Boolean)) {
    const at = kv.indexOf('=');
    if (at > 0) props[kv.slice(0, at).trim()] = kv.slice(at + 1).trim();
  }
  return props;
}

/** AKASO_KAFKA_PROPS="key=value,key=value" overrides or adds broker properties, to compare. */
export const envOverrides = parseKafkaProps(process.env.AKASO_KAFKA_PROPS ?? '');

/**
 * One combined broker+controller node. The settings are the ones the design asks for: every
 * internal topic replicated 3 times, min.insync.replicas=2 (so acks=all survives one broker
 * down), topics created only by our provisioning step, never on first use.
 */
export function serverProperties(node: KafkaNode, overrides: Record<string, string> = envOverrides): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': controllerQuorumVoters,
    listeners: `PLAINTEXT://${host}:${node.brokerPort},CONTROLLER://${host}:${node.controllerPort},SECURE://${host}:${node.securePort},SASL_SSL://${host}:${node.tlsPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${node.brokerPort},CONTROLLER://${host}:${node.controllerPort},SECURE://${host}:${node.securePort},SASL_SSL://${host}:${node.tlsPort}`,
    'listener.security.protocol.map':
      'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    // The secure profile (workshop lab 10): clients on SECURE authenticate with SCRAM-SHA-512 and
    // ACLs decide what each may do. The pipeline keeps using PLAINTEXT, whose principal
    // (ANONYMOUS, also the controllers') is a super user, so it is unaffected; topics without
    // any ACL stay open to authenticated users too. Only `secure.*` topics carry ACLs.
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'listener.name.secure.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    // SASL_SSL: what a managed Kafka offers (Confluent Cloud, MSK, Aiven, Strimzi), to point the
    // pipeline at before a provider (`pnpm start --kafka-security sasl_ssl`). TLS with the stack's
    // own CA (kafka-tls.ts: a PEM key store, no JKS), then PLAIN (users in the JAAS line) or
    // SCRAM-SHA-512 (credentials in the cluster metadata, ensureSaslUsers). PLAINTEXT stays the
    // default path, and the brokers talk to each other over it.
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${localSaslUser.username}="${localSaslUser.password}";`,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.keystore.location': kafkaTls.keystoreFile,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': true,
    'super.users': 'User:ANONYMOUS',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(nodeDir(node), 'data'),
    'auto.create.topics.enable': false,
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'offsets.topic.replication.factor': 3,
    // 12 instead of 50 partitions for __consumer_offsets: the first group join on a fresh
    // cluster creates them all, and on a 2-core box 150 replicas take noticeably longer.
    'offsets.topic.num.partitions': 12,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
    'share.coordinator.state.topic.replication.factor': 3,
    'share.coordinator.state.topic.min.isr': 2,
    // Development setting (also in compose): the first consumer of a group starts at once
    // instead of waiting 3 s for others to join.
    'group.initial.rebalance.delay.ms': 0,
    // After a restart the first broker up leads every partition; the controller hands leadership
    // back to the preferred replicas after this check (default 300 s) instead of five minutes
    // later, so the three brokers share the load (and the dashboard shows a balanced cluster).
    'leader.imbalance.check.interval.seconds': 10,
    // Thread pools sized for 2 cores shared by three brokers (defaults: 3 network, 8 io).
    'num.network.threads': 2,
    'num.io.threads': 4,
    // Replication keeps Kafka's defaults (a follower's fetch answers at the first byte): an
    // acks=all write waits a round trip, not a batching interval, so a lone order crosses its
    // hops in milliseconds. The cost under load is met in the application instead (the relays'
    // and consumers' ticks: fewer, larger writes), as a production cluster would meet it.
    'num.partitions': 1,
    'log.retention.hours': 168,
    'log.segment.bytes': 64 * 1024 * 1024,
    // The log cleaner allocates this buffer on the heap at start, whatever the compacted topics
    // hold (default 128 MiB, half of these brokers' heap): 16 MiB maps ~600k keys per cleaning
    // pass, far more than the compacted topics here ever hold. A production broker sizes it to its
    // compacted topics' keys the same way.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
  };
  Object.assign(props, overrides);
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

function java(args: string[]): string[] {
  return [
    `-Dlog4j2.configurationFile=${join(repoRoot, 'infra', 'kafka', 'log4j2.properties')}`,
    '-cp',
    `${libDir}/*`,
    ...args,
  ];
}

async function formatStorage(node: KafkaNode, reporter: Reporter): Promise<void> {
  if (existsSync(join(nodeDir(node), 'data', 'meta.properties'))) return;
  reporter.step(`formatting storage of kafka-${node.id}`);
  mkdirSync(nodeLogDir(node), { recursive: true });
  await runToLog(
    'java',
    [
      `-Dkafka.logs.dir=${nodeLogDir(node)}`,
      ...java([
        'kafka.tools.StorageTool',
        'format',
        '-t',
        kafka.clusterId,
        '-c',
        nodeProps(node),
        '--ignore-formatted',
      ]),
    ],
    join(nodeLogDir(node), 'format.log'),
  );
}

/**
 * The broker JVMs' process environment: glibc's malloc opens up to 8 arenas per core for a JVM's
 * hundred threads, each holding freed native memory of its own; two are enough. A common setting
 * for JVMs in containers; docker-compose.yml sets the same.
 */
export const brokerProcessEnv = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * The broker JVM's options besides the heap: the serial collector and C1 only (sized for a 2-core
 * machine that runs the whole stack, figures in docs/performance.md):
 * - with a heap this small the serial collector's pauses stay short, and it spends less CPU than
 *   G1's concurrent threads;
 * - C2 keeps compiling for minutes after a start, which costs more CPU than its faster code saves
 *   on a machine this size.
 * AKASO_KAFKA_JVM_OPTS replaces both, to compare.
 */
const brokerJvmOpts = (): string[] => {
  const given = process.env.AKASO_KAFKA_JVM_OPTS?.split(' ').filter(Boolean) ?? [];
  return given.length > 0 ? given : ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
};

const brokerHeapOpts = () => [`-Xms${kafka.heap.min}`, `-Xmx${kafka.heap.max}`, `-Xmn${kafka.heap.young}`];

let javaVersion: string | undefined;
/** `java -version`, once per process: part of the class archive's key. */
function javaRuntime(): string {
  javaVersion ??= spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  return javaVersion;
}

/**
 * Class data sharing (AppCDS) for the brokers: the classes a broker loads (Kafka's,
 * Scala's, the JDK's), parsed once and written to an archive that the three brokers map. The
 * archive's read-only part is one copy in memory for all three, instead of three copies of the
 * same class metadata, and a broker starts without parsing its classes again.
 *
 * The archive is a JVM's own dump (-XX:ArchiveClassesAtExit): while there is none, the first node
 * (only it: three JVMs would write the same file) writes it when it stops; the next starts map it.
 * It lives beside the jars, outside .data (a wipe keeps it), named by a hash of the Java runtime
 * and the jar set: either changed makes a new one. JVM options that the archive does not suit
 * (another collector) are caught by the check before a start (usableClassArchive).
 */
export function brokerClassArchive(): string {
  const key = createHash('sha256')
    .update(javaRuntime())
    .update(existsSync(libsComplete) ? readFileSync(libsComplete, 'utf8') : '')
    .digest('hex')
    .slice(0, 16);
  return join(dirname(libDir), 'cds', `broker-${key}.jsa`);
}

let archiveChecked: string | undefined; // the archive and options last found usable
/**
 * The archive, when one exists that this JVM maps (checked once per process with -Xshare:on,
 * which fails instead of running without it). A broker killed while writing it leaves a file the
 * JVM would refuse at every start: it is removed, and the next broker started dumps again.
 */
async function usableClassArchive(archive: string, jvmOpts: string[]): Promise<boolean> {
  if (!existsSync(archive)) return false;
  const checked = `${archive} ${jvmOpts.join(' ')}`;
  if (archiveChecked === checked) return true;
  const { code } = await capture(
    'java',
    [...jvmOpts, '-Xshare:on', `-XX:SharedArchiveFile=${archive}`, '-cp', `${libDir}/*`, '-version'],
    { timeoutMs: 30_000 },
  );
  if (code !== 0) {
    rmSync(archive, { force: true });
    return false;
  }
  archiveChecked = checked;
  return true;
}

/**
 * The archive's options for one broker: map it when there is a usable one; else, on the first
 * node only (three JVMs would write the same file), dump it at exit, after removing the archives
 * of other runtimes, jar sets or options (only the current one is kept).
 */
async function brokerClassSharing(node: KafkaNode, jvmOpts: string[]): Promise<string[]> {
  const archive = brokerClassArchive();
  if (await usableClassArchive(archive, jvmOpts)) return [`-XX:SharedArchiveFile=${archive}`];
  if (node.id !== kafka.nodes[0]?.id) return [];
  mkdirSync(dirname(archive), { recursive: true });
  for (const other of readdirSync(dirname(archive))) rmSync(join(dirname(archive), other), { force: true });
  // The dump lists the classes it skips (generated accessors, unlinked ones) as warnings.
  return [`-XX:ArchiveClassesAtExit=${archive}`, '-Xlog:cds=error,cds+dynamic=error'];
}

/** Starts one node; `overrides` replace AKASO_KAFKA_PROPS's for this start (the bench's broker variants). */
export async function startKafkaNode(
  node: KafkaNode,
  reporter: Reporter,
  overrides?: Record<string, string>,
): Promise<void> {
  mkdirSync(nodeLogDir(node), { recursive: true });
  // The SASL_SSL listener's certificate must exist before the broker reads its properties.
  ensureKafkaTls();
  // Regenerated on every start so a change in the topology applies on the next `pnpm start`.
  writeFileSync(nodeProps(node), serverProperties(node, overrides));
  await formatStorage(node, reporter);
  if (runningPid(nodeName(node)) !== null) return;
  const jvmOpts = [...brokerHeapOpts(), ...brokerJvmOpts()];
  const classSharing = await brokerClassSharing(node, jvmOpts);
  startDetached(
    nodeName(node),
    'java',
    [
      ...jvmOpts,
      ...classSharing,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${nodeLogDir(node)}`,
      ...java(['kafka.Kafka', nodeProps(node)]),
    ],
    { env: { ...process.env, ...brokerProcessEnv }, log: join(nodeLogDir(node), 'stdout.log') },
  );
}

export async function quorumLeader(): Promise<number | null> {
  const controllers = kafka.nodes.map((n) => `${host}:${n.controllerPort}`).join(',');
  const { code, stdout } = await capture(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      ...java([
        'org.apache.kafka.tools.MetadataQuorumCommand',
        '--bootstrap-controller',
        controllers,
        'describe',
        '--status',
      ]),
    ],
    { timeoutMs: 30_000 },
  );
  if (code !== 0) return null;
  const m = /LeaderId:\s+(\d+)/.exec(stdout);
  return m?.[1] ? Number(m[1]) : null;
}

export interface KafkaHealth {
  nodesUp: number[];
  quorumLeader: number | null;
  registeredBrokers: number[];
  healthy: boolean;
}

/** Healthy = all three processes up, the KRaft quorum has a leader, and all three brokers registered. */
export async function kafkaHealth(): Promise<KafkaHealth> {
  const nodesUp: number[] = [];
  for (const node of kafka.nodes) {
    if (runningPid(nodeName(node)) !== null && (await portOpen(node.brokerPort))) nodesUp.push(node.id);
  }
  let registeredBrokers: number[] = [];
  let leader: number | null = null;
  if (nodesUp.length > 0) {
    const client = createKafka({
      clientId: 'akaso-stack-health',
      brokers: bootstrapServers,
      logLevel: 'nothing',
    });
    const admin = client.admin({ retry: { retries: 1 } });
    try {
      await admin.connect();
      const state = await describeClusterState(admin);
      registeredBrokers = state.brokers.map((b) => b.nodeId).sort();
    } catch {
      registeredBrokers = [];
    } finally {
      await admin.disconnect();
    }
    leader = await quorumLeader();
  }
  const healthy =
    nodesUp.length === kafka.nodes.length &&
    leader !== null &&
    registeredBrokers.length === kafka.nodes.length;
  return { nodesUp, quorumLeader: leader, registeredBrokers, healthy };
}

export async function startKafka(reporter: Reporter): Promise<void> {
  await ensureKafkaJars(reporter);
  if ((await kafkaHealth()).healthy) {
    reporter.done('kafka: three brokers already healthy, reusing them');
    return;
  }
  for (const node of kafka.nodes) await startKafkaNode(node, reporter);
  await withProgress(reporter, 'waiting for 3 Kafka brokers (quorum leader + all registered)', () =>
    waitFor('a healthy Kafka cluster', async () => (await kafkaHealth()).healthy, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
    }),
  );
}

export async function stopKafka(): Promise<void> {
  // Brokers first, in parallel: a controlled shutdown moves leadership away cleanly.
  await Promise.all(kafka.nodes.map((node) => stopProcess(nodeName(node), 60_000)));
}

/** For the failover tests and the workshop: kill -9 one node, as a crash would. */
export function killKafkaNode(id: number): number {
  const node = kafka.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no Kafka node ${id}`);
  const pid = runningPid(nodeName(node));
  if (pid === null) throw new Error(`kafka-${id} is not running`);
  signal(pid, 'SIGKILL');
  return pid;
}

export async function waitForExit(pid: number): Promise<void> {
  await waitFor(`pid ${pid} to exit`, async () => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 50 });
}

export function wipeKafka(): void {
  rmSync(join(dataDir, 'kafka'), { recursive: true, force: true });
}
