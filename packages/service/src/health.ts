import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** /healthz: the process answers. /readyz: its dependencies (database, Kafka) answer too. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ checks: ReadinessCheck[] }> = async (
  app,
  { checks },
) => {
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
      const results: Record<string, string> = {};
      let ok = true;
      await Promise.all(
        checks.map(async (c) => {
          try {
            await c.check();
            results[c.name] = 'ok';
          } catch (err) {
            ok = false;
            results[c.name] = (err as Error).message;
          }
        }),
      );
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'not ready', checks: results });
    },
  );
};
