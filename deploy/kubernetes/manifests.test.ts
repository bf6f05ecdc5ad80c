import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics, dlqTopic, groupTopics } from '@akaso/contracts';
import { pipelineTopicSpecs, provisionDefaults } from '@akaso/kafka';
import { serviceBasePorts } from '@akaso/stack-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureKustomize, kubernetesDir, type Overlay, overlays, render, renderedFile } from './kustomize.ts';
import { type Manifest, violations } from './schemas.ts';

// The Kubernetes manifests, checked without a cluster: what kustomize renders is what is committed,
// every resource passes its schema with unknown keys refused, and the manifests agree with the
// code (consumer groups and topics, Kafka ACLs, ports, secrets, the drain).
const repoRoot = join(kubernetesDir, '..', '..');
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

const services = ['order-api', 'inventory', 'payment', 'email', 'dashboard'] as const;
type Service = (typeof services)[number];
const consumers = ['order-api', 'inventory', 'payment', 'email'] as const;

const parseManifests = (text: string): Manifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);

const rendered: Record<Overlay, Manifest[]> = {
  dev: parseManifests(readFileSync(renderedFile('dev'), 'utf8')),
  managed: parseManifests(readFileSync(renderedFile('managed'), 'utf8')),
};
const find = (overlay: Overlay, kind: string, name?: string) =>
  rendered[overlay].filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
const one = (overlay: Overlay, kind: string, name: string): Manifest => {
  const found = find(overlay, kind, name);
  if (found.length !== 1) throw new Error(`${overlay}: expected one ${kind}/${name}, found ${found.length}`);
  return found[0] as Manifest;
};

/** The source files of a service, tests left out. */
function sources(service: Service): string {
  const dir = join(repoRoot, 'services', service, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

const topicNames: Record<string, string> = {
  orders: 'orders',
  inventory: 'inventory',
  payments: 'payments',
  orderStatus: 'order-status',
};

/** The consumer group a service joins, as its main.ts names it. */
function groupOf(service: Service): string | undefined {
  const main = read(`services/${service}/src/main.ts`);
  const literal = /groupId: '([\w-]+)'/.exec(main)?.[1];
  if (literal) return literal;
  const constant = /groupId: ([A-Z_]+)/.exec(main)?.[1];
  return constant ? new RegExp(`const ${constant} = '([\\w-]+)'`).exec(main)?.[1] : undefined;
}

/** The topics a service's outbox rows name (`topic: topics.x`): what it publishes. */
function publishedBy(service: Service): string[] {
  const names = [...sources(service).matchAll(/topic: topics\.(\w+)/g)].map(
    (m) => topicNames[m[1] as string],
  );
  return [...new Set(names)].filter((t): t is string => t !== undefined).sort();
}

type Acl = { resource: { type: string; name: string; patternType?: string }; operations: string[] };
/** A KafkaUser's ACLs as "type:name:Operation" grants. */
const grants = (user: Manifest) =>
  new Set(
    (user.spec.authorization.acls as Acl[]).flatMap((a) =>
      a.operations.map((op) => `${a.resource.type}:${a.resource.name}:${op}`),
    ),
  );

const everyTopic = allTopics.flatMap((t) => [t, dlqTopic(t)]);

/** What each service's code does on Kafka, worked out from the code, not from the manifests. */
function expectedGrants(service: (typeof consumers)[number]): Set<string> {
  const group = groupOf(service) as keyof typeof groupTopics;
  const reads: readonly string[] = groupTopics[group];
  const writes = [...publishedBy(service), ...reads.map(dlqTopic)];
  return new Set([
    // Every service checks the pipeline's topics at start-up (provisionTopics: list, metadata).
    ...everyTopic.map((t) => `topic:${t}:Describe`),
    ...reads.map((t) => `topic:${t}:Read`),
    ...writes.map((t) => `topic:${t}:Write`),
    `group:${group}:Read`,
  ]);
}

type Container = {
  name: string;
  image: string;
  ports?: { containerPort: number; name?: string }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
};
type Probe = { httpGet?: { path: string; port: number | string }; tcpSocket?: { port: number | string } };
const containersOf = (d: Manifest) => d.spec.template.spec.containers as Container[];
const appContainer = (d: Manifest) => containersOf(d).find((c) => c.name === 'app') as Container;

/** The Secrets the user creates before applying an overlay (deploy/kubernetes/README.md), with their keys. */
function userSecrets(overlay: Overlay): Record<string, string[]> {
  const user: Record<string, string[]> = { 'akaso-internal-token': ['token'] };
  if (overlay === 'dev') return user;
  user['akaso-stripe'] = ['secret-key'];
  user['akaso-kafka'] = [
    'KAFKA_BROKERS',
    'KAFKA_SECURITY_PROTOCOL',
    'KAFKA_SASL_MECHANISM',
    'KAFKA_SSL_CA_FILE',
  ];
  user['akaso-kafka-ca'] = ['ca.crt'];
  user['akaso-kafka-keda'] = ['sasl', 'tls', 'username', 'password'];
  user['akaso-postgres'] = ['order_api', 'inventory', 'payment', 'email'];
  for (const s of services) user[`akaso-kafka-${s}`] = ['username', 'password'];
  return user;
}

/** Secrets the operators make from the resources that ask for them, with the keys each holds. */
function operatorSecrets(overlay: Overlay): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  // Strimzi's User Operator: a Secret per KafkaUser, named after it; the Cluster Operator: its CA.
  for (const u of find(overlay, 'KafkaUser')) out[u.metadata.name] = ['password', 'sasl.jaas.config'];
  for (const k of find(overlay, 'Kafka'))
    out[`${k.metadata.name}-cluster-ca-cert`] = ['ca.crt', 'ca.p12', 'ca.password'];
  // CloudNativePG: <cluster>-app for the owner of the bootstrap database (its docs: applications.md).
  for (const c of find(overlay, 'Cluster')) {
    out[`${c.metadata.name}-app`] = [
      'username',
      'password',
      'host',
      'port',
      'dbname',
      'uri',
      'jdbc-uri',
      'pgpass',
      'fqdn-uri',
      'fqdn-jdbc-uri',
    ];
  }
  return out;
}

/** Every Secret a manifest refers to, with the key when it names one. */
function secretRefs(overlay: Overlay): { from: string; name: string; key?: string }[] {
  const refs: { from: string; name: string; key?: string }[] = [];
  for (const m of rendered[overlay]) {
    const from = `${m.kind}/${m.metadata.name}`;
    if (m.kind === 'Deployment') {
      for (const c of containersOf(m)) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) refs.push({ from, name: ref.name, key: ref.key });
        }
        for (const e of c.envFrom ?? []) if (e.secretRef) refs.push({ from, name: e.secretRef.name });
      }
      for (const v of m.spec.template.spec.volumes ?? []) {
        if (v.secret) {
          for (const item of v.secret.items ?? [])
            refs.push({ from, name: v.secret.secretName, key: item.key });
          if (!v.secret.items) refs.push({ from, name: v.secret.secretName });
        }
      }
    }
    if (m.kind === 'TriggerAuthentication') {
      for (const r of m.spec.secretTargetRef ?? []) refs.push({ from, name: r.name, key: r.key });
    }
  }
  return refs;
}

describe('deploy/kubernetes', () => {
  let kustomize: string;
  beforeAll(() => {
    kustomize = ensureKustomize();
  }, 600_000);

  describe.each(overlays)('overlay %s', (overlay) => {
    it('is what kustomize renders (node deploy/kubernetes/render.ts writes it)', () => {
      expect(render(overlay, kustomize)).toBe(readFileSync(renderedFile(overlay), 'utf8'));
    });

    it('passes the schemas of its kinds, unknown keys refused', () => {
      expect(rendered[overlay].length).toBeGreaterThan(10);
      expect(rendered[overlay].flatMap(violations)).toEqual([]);
    });

    it('refers only to Secrets that the overlay, an operator or the documented setup creates, and to keys they hold', () => {
      const own = new Map(
        find(overlay, 'Secret').map((s) => [
          s.metadata.name,
          new Set(
            Object.keys({ ...(s.data as object | undefined), ...(s.stringData as object | undefined) }),
          ),
        ]),
      );
      const known = new Map([
        ...Object.entries({ ...operatorSecrets(overlay), ...userSecrets(overlay) }).map(
          ([name, keys]) => [name, new Set(keys)] as const,
        ),
        ...own,
      ]);
      const missing = secretRefs(overlay).filter(
        (r) => !known.has(r.name) || (r.key !== undefined && !known.get(r.name)?.has(r.key)),
      );
      expect(missing).toEqual([]);
      // The user's part is written down where a user reads it, each Secret with its keys.
      const readme = read('deploy/kubernetes/README.md');
      for (const [name, keys] of Object.entries(userSecrets(overlay))) {
        const line = readme
          .split('\n')
          .find((l) =>
            l.includes(
              `\`${name.replace(/-(?:order-api|inventory|payment|email|dashboard)$/, '-<service>')}\``,
            ),
          );
        expect(line, name).toBeDefined();
        for (const key of keys) expect(line, `${name} ${key}`).toContain(key);
      }
    });

    it('runs each service non-root on a read-only root, with resources, /tmp, probes on its port and a grace period longer than its drain', () => {
      const lifecycle = read('packages/service/src/lifecycle.ts');
      const stepBoundMs = Number(/stepTimeoutMs = ([\d_]+)/.exec(lifecycle)?.[1]?.replace(/_/g, ''));
      const shutdown = /handleShutdown\(logger, \[([\s\S]*?)\n {2}\]\);/.exec(
        read('packages/service/src/service.ts'),
      )?.[1];
      const steps = [...(shutdown ?? '').matchAll(/^ {4}\['/gm)].length;
      expect(stepBoundMs).toBeGreaterThan(0);
      expect(steps).toBeGreaterThanOrEqual(5);
      for (const service of services) {
        const d = one(overlay, 'Deployment', service);
        const pod = d.spec.template.spec;
        const c = appContainer(d);
        expect(pod.securityContext.runAsNonRoot, service).toBe(true);
        expect(pod.securityContext.runAsUser, service).toBeGreaterThan(0);
        expect(c.securityContext?.readOnlyRootFilesystem, service).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, service).toBe(false);
        const tmp = c.volumeMounts?.find((v) => v.mountPath === '/tmp');
        expect(
          pod.volumes.find((v: { name: string }) => v.name === tmp?.name)?.emptyDir,
          service,
        ).toBeDefined();
        expect(
          c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory,
        ).toBeTruthy();
        // The port the stack gives the service, declared, served and probed.
        const port = serviceBasePorts[service];
        expect(
          c.ports?.map((p) => p.containerPort),
          service,
        ).toEqual([port]);
        expect(c.env?.find((e) => e.name === 'PORT')?.value, service).toBe(String(port));
        expect(c.startupProbe?.httpGet, service).toEqual({ path: '/healthz', port });
        expect(c.livenessProbe?.httpGet, service).toEqual({ path: '/healthz', port });
        expect(c.readinessProbe?.httpGet, service).toEqual({ path: '/readyz', port });
        const service_ = one(overlay, 'Service', service);
        expect(service_.spec.ports.map((p: { port: number }) => p.port)).toEqual([port]);
        const drainS = (c.lifecycle?.preStop?.sleep?.seconds ?? 0) + (steps * stepBoundMs) / 1000;
        expect(pod.terminationGracePeriodSeconds, service).toBeGreaterThan(drainS);
        expect(one(overlay, 'PodDisruptionBudget', service).spec.selector).toEqual(d.spec.selector);
        expect(c.image, service).toMatch(new RegExp(`^akaso-burger/${service}:\\S+$`));
        // Kubernetes expands $(NAME) only from variables defined above it in the list.
        const names = (c.env ?? []).map((e) => e.name);
        for (const [i, e] of (c.env ?? []).entries()) {
          for (const [, ref] of (e.value ?? '').matchAll(/\$\((\w+)\)/g)) {
            expect(names.slice(0, i), `${service} ${e.name}`).toContain(ref);
          }
        }
      }
      // Every probe of every container points at a port the container declares.
      for (const d of find(overlay, 'Deployment')) {
        for (const c of containersOf(d)) {
          for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
            const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
            if (port === undefined) continue;
            const declared = (c.ports ?? []).flatMap((p) => [p.containerPort, p.name]);
            expect(declared, `${d.metadata.name}/${c.name}`).toContain(port);
          }
        }
      }
    });

    it('scales each consumer group on the lag of exactly the topics its code reads, never past their partitions', () => {
      const partitions = new Map(pipelineTopicSpecs(allTopics).map((s) => [s.topic, s.partitions]));
      for (const service of ['inventory', 'payment', 'email'] as const) {
        const group = groupOf(service) as keyof typeof groupTopics;
        const so = one(overlay, 'ScaledObject', service);
        expect(so.spec.scaleTargetRef.name).toBe(one(overlay, 'Deployment', service).metadata.name);
        const triggers = so.spec.triggers as {
          type: string;
          metadata: Record<string, string>;
          authenticationRef: { name: string };
        }[];
        expect(triggers.map((t) => [t.type, t.metadata.consumerGroup])).toEqual(
          triggers.map(() => ['kafka', group]),
        );
        expect(triggers.map((t) => t.metadata.topic).sort()).toEqual([...groupTopics[group]].sort());
        for (const t of groupTopics[group])
          expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(partitions.get(t) as number);
        for (const t of triggers)
          expect(find(overlay, 'TriggerAuthentication', t.authenticationRef.name)).toHaveLength(1);
      }
      // order-api: CPU; its order-status group scales with it, so the same ceiling applies.
      const hpa = one(overlay, 'HorizontalPodAutoscaler', 'order-api');
      expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['cpu']);
      for (const t of groupTopics[groupOf('order-api') as keyof typeof groupTopics]) {
        expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(partitions.get(t) as number);
      }
      expect(find(overlay, 'ScaledObject', 'order-api')).toEqual([]);
      // The autoscalers own the count: a replicas field would reset it at every apply.
      for (const service of consumers)
        expect(one(overlay, 'Deployment', service).spec.replicas, service).toBeUndefined();
    });

    it('lets only order-api (and the dashboard, for /metrics) reach the internal endpoints', () => {
      for (const service of ['inventory', 'payment', 'email'] as const) {
        const policies = find(overlay, 'NetworkPolicy').filter(
          (p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === service,
        );
        expect(policies, service).toHaveLength(1);
        const rules = policies[0]?.spec.ingress as {
          from: { podSelector: { matchLabels: Record<string, string> } }[];
          ports: { port: number }[];
        }[];
        const peers = rules
          .flatMap((r) => r.from.map((f) => f.podSelector.matchLabels['app.kubernetes.io/name']))
          .sort();
        expect(peers).toEqual(['dashboard', 'order-api']);
        expect(rules.flatMap((r) => r.ports.map((p) => p.port))).toEqual([serviceBasePorts[service]]);
      }
    });
  });

  it('dev: Kafka and PostgreSQL in the cluster as the code provisions them, one login per service allowed exactly what its code does', () => {
    expect(find('dev', 'KafkaNodePool').map((p) => [p.spec.replicas, [...p.spec.roles].sort()])).toEqual([
      [3, ['broker', 'controller']],
    ]);
    const kafka = one('dev', 'Kafka', 'akaso-kafka');
    expect(kafka.spec.kafka.config['min.insync.replicas']).toBe(provisionDefaults.minInsyncReplicas);
    expect(kafka.spec.kafka.listeners).toEqual([
      expect.objectContaining({ tls: true, authentication: { type: 'scram-sha-512' } }),
    ]);
    // Topics: as pipelineTopicSpecs provisions them.
    const topics = find('dev', 'KafkaTopic').map((t) => ({
      topic: t.spec.topicName ?? t.metadata.name,
      partitions: t.spec.partitions,
      replicationFactor: t.spec.replicas,
      config: { 'min.insync.replicas': String(t.spec.config['min.insync.replicas']) },
    }));
    const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
    expect(topics.sort(byTopic)).toEqual(pipelineTopicSpecs(allTopics).sort(byTopic));
    // Users: what the code consumes (groupTopics, its main's groupId) and publishes (its outbox rows).
    expect(publishedBy('order-api')).toEqual(['order-status', 'orders']);
    for (const service of consumers) {
      expect(grants(one('dev', 'KafkaUser', service)), service).toEqual(expectedGrants(service));
    }
    const groups = Object.keys(groupTopics);
    const observer = new Set([...groups.map((g) => `group:${g}:Describe`)]);
    expect(grants(one('dev', 'KafkaUser', 'dashboard'))).toEqual(
      new Set([...everyTopic.map((t) => `topic:${t}:Describe`), ...observer]),
    );
    expect(grants(one('dev', 'KafkaUser', 'keda-lag-reader'))).toEqual(
      new Set([...allTopics.map((t) => `topic:${t}:Describe`), ...observer]),
    );
    expect(
      find('dev', 'KafkaUser')
        .map((u) => u.metadata.name)
        .sort(),
    ).toEqual([...services, 'keda-lag-reader'].sort());
    // PostgreSQL: three instances, the four databases owned by the role the services log in as.
    const cluster = one('dev', 'Cluster', 'akaso-pg');
    expect(cluster.spec.instances).toBe(3);
    const owner = cluster.spec.bootstrap.initdb.owner;
    const dbs = find('dev', 'Database').map((d) => [d.spec.name, d.spec.owner, d.spec.cluster.name]);
    expect(dbs.sort()).toEqual(
      ['email', 'inventory', 'order_api', 'payment'].map((db) => [db, owner, 'akaso-pg']),
    );
    for (const service of consumers) {
      const url = appContainer(one('dev', 'Deployment', service)).env?.find(
        (e) => e.name === 'DATABASE_URL',
      )?.value;
      expect(url, service).toBe(
        `postgresql://$(DB_USER):$(DB_PASSWORD)@akaso-pg-rw:5432/${service.replace('-', '_')}`,
      );
    }
  });

  it('dev: Jaeger as docker-compose.yml runs it, Mailpit and stripe-mock, and the services pointed at them', () => {
    const compose = read('docker-compose.yml');
    for (const tool of ['jaeger', 'mailpit', 'stripe-mock']) {
      const image = containersOf(one('dev', 'Deployment', tool))[0]?.image as string;
      expect(compose, tool).toContain(`image: ${image}\n`);
      expect(find('dev', 'Service', tool)).toHaveLength(1);
    }
    const settings = find('dev', 'ConfigMap').find((c) => c.metadata.name.startsWith('akaso-settings-'));
    expect(settings?.data).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      STRIPE_API_BASE: 'http://stripe-mock:12111',
      SMTP_HOST: 'mailpit',
      SMTP_PORT: '1025',
    });
  });

  it('managed: no Strimzi or CloudNativePG resources; Kafka and PostgreSQL from your Secrets', () => {
    const kinds = new Set(rendered.managed.map((m) => m.apiVersion.split('/')[0]));
    expect([...kinds].filter((g) => g === 'kafka.strimzi.io' || g === 'postgresql.cnpg.io')).toEqual([]);
    for (const service of services) {
      const c = appContainer(one('managed', 'Deployment', service));
      const env = new Map(c.env?.map((e) => [e.name, e]));
      expect(env.get('KAFKA_SASL_USERNAME')?.valueFrom?.secretKeyRef).toEqual({
        name: `akaso-kafka-${service}`,
        key: 'username',
      });
      expect(env.get('KAFKA_SASL_USERNAME')?.value).toBeUndefined();
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'akaso-kafka' } });
      if (service === 'dashboard') continue;
      expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'akaso-postgres',
        key: service.replace('-', '_'),
      });
      expect(env.has('DB_USER') || env.has('DB_PASSWORD')).toBe(false);
    }
  });

  it('the schema check refuses a misspelt key, in a core kind and in each operator kind', () => {
    const misspell = (m: Manifest, path: string[], key: string): Manifest => {
      const copy = structuredClone(m);
      // biome-ignore lint/suspicious/noExplicitAny: walking a parsed manifest
      let at: any = copy;
      for (const p of path) at = at[p];
      at[key] = 1;
      return copy;
    };
    const dep = one('dev', 'Deployment', 'payment');
    expect(violations(dep)).toEqual([]);
    expect(violations(misspell(dep, ['spec', 'template', 'spec'], 'terminationGracePeriod'))).not.toEqual([]);
    // The operators' validators (@kubernetes-models) leave objects open: only the unknown-key
    // check of operator-models.ts refuses these.
    for (const [kind, name, path] of [
      ['Kafka', 'akaso-kafka', ['spec', 'kafka']],
      ['KafkaNodePool', 'dual-role', ['spec', 'storage']],
      ['KafkaTopic', 'orders', ['spec']],
      ['KafkaUser', 'payment', ['spec', 'authorization']],
      ['Cluster', 'akaso-pg', ['spec', 'bootstrap', 'initdb']],
      ['Database', 'akaso-pg-payment', ['spec']],
      ['ScaledObject', 'payment', ['spec']],
      ['ScaledObject', 'payment', ['metadata']],
      ['TriggerAuthentication', 'kafka-lag', ['spec']],
    ] as const) {
      const m = one('dev', kind, name);
      expect(violations(m), kind).toEqual([]);
      expect(violations(misspell(m, [...path], 'replicass')), kind).not.toEqual([]);
    }
    // And the validators themselves run: a wrong type or value fails.
    const topic = structuredClone(one('dev', 'KafkaTopic', 'orders'));
    topic.spec.partitions = 'twelve';
    expect(violations(topic).join('\n')).toContain('/spec/partitions');
    const user = structuredClone(one('dev', 'KafkaUser', 'payment'));
    user.spec.authentication.type = 'scram-sha-1';
    expect(violations(user).join('\n')).toContain('/spec/authentication');
  });
});
