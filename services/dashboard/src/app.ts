import { join } from 'node:path';
import type { Logger } from '@akaso/config';
import { createHttpApp, type ReadinessCheck } from '@akaso/service';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Collector } from './collector.ts';
import { type ControlGuard, createControlGuard } from './control-guard.ts';
import { type DeadLetterStore, dlqRoutes } from './dlq-routes.ts';
import type { FaultPanel } from './fault-panel.ts';
import { faultRoutes } from './fault-routes.ts';
import { rushRoutes } from './rush-routes.ts';
import type { RushRunner } from './rush-runner.ts';
import { SnapshotBody } from './snapshot.ts';
import { traceRoutes } from './trace-routes.ts';

export interface AppDeps {
  logger: Logger;
  collector: Pick<Collector, 'snapshot'>;
  readiness: ReadinessCheck[];
  /** Jaeger's UI, linked from the page's header. */
  jaegerWebUrl?: string;
  /** Guards every route that changes the system (faults, rush, replay); a fresh one if absent. */
  control?: ControlGuard;
  /** The rush panel (GET /api/rush, start, stop); absent: no rush routes. */
  rush?: RushRunner;
  /** Jaeger's query API, read for an order's waterfall (GET /api/traces/:id); absent: no trace route. */
  jaegerQueryUrl?: string;
  /** The order API, where the waterfall finds an order's traceId (trace.html?order=<orderId>). */
  orderApiUrl?: string;
  /** The dead letters (GET /api/dlq, GET /api/dlq/:topic, replay); absent: no DLQ routes. */
  deadLetters?: DeadLetterStore;
  /** The fault panel (GET /api/faults, start, stop); absent: no fault routes. */
  faults?: FaultPanel;
}

/** The page's files: plain HTML, an ES module and CSS, no bundler (beside src/ and dist/). */
export const publicDir = join(import.meta.dirname, '..', 'public');

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // The shared base (error contract, health) first, then the page's files, then the JSON API.
  const base = await createHttpApp({ logger: deps.logger, readiness: deps.readiness });
  await base.register(fastifyStatic, { root: publicDir, wildcard: false });
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const control = deps.control ?? createControlGuard();
  control.register(base);
  if (deps.rush) await base.register(rushRoutes, { runner: deps.rush, guard: control.check });
  if (deps.jaegerQueryUrl) {
    await base.register(traceRoutes, {
      jaegerQueryUrl: deps.jaegerQueryUrl,
      ...(deps.orderApiUrl ? { orderApiUrl: deps.orderApiUrl } : {}),
    });
  }
  if (deps.deadLetters) await base.register(dlqRoutes, { store: deps.deadLetters, control });
  if (deps.faults) await base.register(faultRoutes, { ...deps.faults, guard: control.check });
  app.get(
    '/api/snapshot',
    {
      schema: {
        summary:
          'Brokers, partitions, topics, consumer groups and lag, rebalances, the order funnel, outbox and DLQ',
        response: { 200: SnapshotBody },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return deps.collector.snapshot();
    },
  );
  app.get(
    '/api/links',
    {
      schema: {
        summary: "Where the page links to (Jaeger: one order's path across the pipeline)",
        response: { 200: Type.Object({ jaegerWebUrl: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async () => ({ jaegerWebUrl: deps.jaegerWebUrl ?? null }),
  );
  return base;
}
