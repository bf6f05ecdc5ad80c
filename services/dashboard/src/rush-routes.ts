import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ControlGuard } from './control-guard.ts';
import { RushSettingsBody, RushViewBody } from './rush-body.ts';
import type { RushRunner } from './rush-runner.ts';

/**
 * The rush panel's API: start one rush (rate, duration, users), stop it, and follow it (live
 * progress, then the audit's verdict). Starting and stopping pass the control guard.
 */
export interface RushRoutesOptions {
  runner: RushRunner;
  /** The control guard's check: every POST passes it before its body is even read. */
  guard: ControlGuard['check'];
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export async function rushRoutes(base: FastifyInstance, opts: RushRoutesOptions): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const errors = { 400: ErrorBody, 403: ErrorBody, 409: ErrorBody };

  app.get(
    '/api/rush',
    {
      schema: {
        summary: "The dashboard's rush: its state, live progress, and the audit's verdict once it is judged",
        response: { 200: RushViewBody },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return opts.runner.view();
    },
  );

  app.post(
    '/api/rush',
    {
      // onRequest: a cross-site request is refused before its body is parsed or validated.
      onRequest: opts.guard,
      schema: {
        summary: 'Starts a rush against the order API at a flat rate, then audits it (one at a time)',
        body: RushSettingsBody,
        response: { 202: RushViewBody, ...errors },
      },
    },
    async (request, reply) => reply.code(202).send(opts.runner.start(request.body)),
  );

  app.post(
    '/api/rush/stop',
    {
      onRequest: opts.guard,
      schema: {
        summary: 'Stops the arrivals of the running rush; the orders placed so far are still audited',
        response: { 202: RushViewBody, ...errors },
      },
    },
    async (_request, reply) => reply.code(202).send(opts.runner.stop()),
  );
}
