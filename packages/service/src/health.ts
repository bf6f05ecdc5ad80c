import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessOptions {
  checks: ReadinessCheck[];
  /** A check without an answer after this is failing: a dependency that hangs is not ready. */
  timeoutMs: number;
  /** Injected in tests. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { unref?(): unknown };
}

export interface ReadinessReport {
  ok: boolean;
  /** Per check: 'ok', or what fails and since when. */
  checks: Record<string, string>;
  /** Per failing check: when it started failing (ISO time). */
  failingSince: Record<string, string>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, and remembers since when each one has
 * been failing, so /readyz says which dependency fails and for how long (an operator tells a
 * blip from an outage; the dashboard shows it).
 */
export function createReadiness(opts: ReadinessOptions): () => Promise<ReadinessReport> {
  const now = opts.now ?? Date.now;
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const since = new Map<string, number>();
  // One call per check at a time: while a dependency hangs, polling /readyz every second must not
  // pile up a hanging query per poll (each would hold a pooled connection until its own timeout).
  const inFlight = new Map<string, Promise<void>>();
  const call = (c: ReadinessCheck) => {
    let p = inFlight.get(c.name);
    if (!p) {
      p = c.check().finally(() => inFlight.delete(c.name));
      inFlight.set(c.name, p);
    }
    return p;
  };
  const bounded = (c: ReadinessCheck) =>
    new Promise<void>((resolve, reject) => {
      setTimer(() => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs).unref?.();
      call(c).then(resolve, reject);
    });
  return async () => {
    const checks: Record<string, string> = {};
    const failingSince: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      opts.checks.map(async (c) => {
        try {
          await bounded(c);
          since.delete(c.name);
          checks[c.name] = 'ok';
        } catch (err) {
          ok = false;
          const t = now();
          const from = since.get(c.name) ?? t;
          since.set(c.name, from);
          const iso = new Date(from).toISOString();
          failingSince[c.name] = iso;
          checks[c.name] =
            `${(err as Error).message} (failing since ${iso}, ${Math.round((t - from) / 1000)} s)`;
        }
      }),
    );
    return { ok, checks, failingSince };
  };
}

/** /healthz: the process answers. /readyz: its dependencies (database, Kafka) answer too. */
export const healthRoutes: FastifyPluginAsyncTypebox<{
  checks: ReadinessCheck[];
  timeoutMs: number;
}> = async (app, { checks, timeoutMs }) => {
  const readiness = createReadiness({ checks, timeoutMs });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: database and Kafka reachable',
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
          503: Type.Any(),
        },
      },
    },
    async (_request, reply) => {
      const r = await readiness();
      return r.ok
        ? reply.code(200).send({ status: 'ok', checks: r.checks })
        : reply.code(503).send({ status: 'not ready', checks: r.checks, failingSince: r.failingSince });
    },
  );
};
