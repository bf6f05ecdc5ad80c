import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { ControlGuard } from './control-guard.ts';
import {
  composeCommand,
  durationBoundsS,
  type Fault,
  faultCatalogue,
  isOneShot,
  localCommand,
  type StackControl,
  unavailableReason,
} from './fault-catalogue.ts';
import type { FaultRun, FaultScheduler } from './fault-scheduler.ts';

/**
 * The fault panel's API: the catalogue with what can run here, the faults on now (with their
 * countdown) and the last ones (for the funnel's markers); start and stop behind the control guard.
 */

export interface FaultRoutesOptions {
  scheduler: FaultScheduler;
  control: StackControl;
  /** Whether a flags file is configured (the run-time switches need one). */
  flags: boolean;
  /** The flags file's path as the page shows it in a compose hint. */
  flagsFile?: string;
  /** The control guard's check: every POST passes it before its body is even read. */
  guard: ControlGuard['check'];
  now: () => number;
  catalogue?: readonly Fault[];
}

const Commands = Type.Object({ on: Type.Array(Type.String()), off: Type.Array(Type.String()) });

const VariantBody = Type.Object({
  id: Type.String(),
  label: Type.String(),
  oneShot: Type.Boolean(),
  /** Why the dashboard cannot run it here (compose, control off, no flags file), or null. */
  unavailable: Type.Union([Type.String(), Type.Null()]),
  local: Commands,
  compose: Commands,
});

const FaultBody = Type.Object({
  id: Type.String(),
  label: Type.String(),
  watch: Type.String(),
  defaultDurationS: Type.Integer(),
  variants: Type.Array(VariantBody),
});

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const FaultRunBody = Type.Object({
  faultId: Type.String(),
  variantId: Type.String(),
  label: Type.String(),
  state: Type.Union([
    Type.Literal('starting'),
    Type.Literal('on'),
    Type.Literal('stopping'),
    Type.Literal('ended'),
    Type.Literal('failed'),
  ]),
  outcome: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String({ format: 'date-time' }),
  plannedEndAt: Time,
  endedAt: Time,
  /** Whole seconds to the planned end (the page counts down between polls); null for a one-shot. */
  remainingS: Type.Union([Type.Integer(), Type.Null()]),
  log: Type.Array(Type.String()),
});

export const FaultsBody = Type.Object({
  control: Type.Union([Type.Literal('local'), Type.Literal('compose'), Type.Literal('off')]),
  now: Type.String({ format: 'date-time' }),
  durationBoundsS: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
  faults: Type.Array(FaultBody),
  active: Type.Array(FaultRunBody),
  history: Type.Array(FaultRunBody),
});

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });
const Params = Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) });
const StartBody = Type.Object(
  {
    variant: Type.String({ minLength: 1, maxLength: 40 }),
    durationS: Type.Optional(Type.Integer({ minimum: durationBoundsS.min, maximum: durationBoundsS.max })),
  },
  { additionalProperties: false },
);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function runView(run: FaultRun, now: number): Static<typeof FaultRunBody> {
  return {
    ...run,
    log: [...run.log],
    startedAt: new Date(run.startedAt).toISOString(),
    plannedEndAt: iso(run.plannedEndAt),
    endedAt: iso(run.endedAt),
    remainingS:
      run.plannedEndAt === null || run.endedAt !== null
        ? null
        : Math.max(0, Math.ceil((run.plannedEndAt - now) / 1000)),
  };
}

export async function faultRoutes(base: FastifyInstance, opts: FaultRoutesOptions): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const catalogue = opts.catalogue ?? faultCatalogue;
  const faults = catalogue.map((fault) => ({
    id: fault.id,
    label: fault.label,
    watch: fault.watch,
    defaultDurationS: fault.defaultDurationS,
    variants: fault.variants.map((v) => ({
      id: v.id,
      label: v.label,
      oneShot: isOneShot(v),
      unavailable: unavailableReason(v, { control: opts.control, flags: opts.flags }),
      local: { on: v.on.map(localCommand), off: v.off.map(localCommand) },
      compose: {
        on: v.on.map((s) => composeCommand(s, opts.flagsFile)),
        off: v.off.map((s) => composeCommand(s, opts.flagsFile)),
      },
    })),
  }));
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  app.get(
    '/api/faults',
    {
      schema: {
        summary: 'The faults the panel offers, the ones on now (with their countdown) and the last ones',
        response: { 200: FaultsBody },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const now = opts.now();
      return {
        control: opts.control,
        now: new Date(now).toISOString(),
        durationBoundsS: { ...durationBoundsS },
        faults,
        active: opts.scheduler.active().map((r) => runView(r, now)),
        history: opts.scheduler.history().map((r) => runView(r, now)),
      };
    },
  );

  app.post(
    '/api/faults/:id/start',
    {
      // onRequest: a cross-site request is refused before its body is parsed or validated.
      onRequest: opts.guard,
      schema: {
        summary:
          'Switches a fault on for durationS seconds (then back by itself); a one-shot fault just runs',
        params: Params,
        body: StartBody,
        response: { 202: FaultRunBody, ...errors },
      },
    },
    async (request, reply) => {
      const run = opts.scheduler.start(request.params.id, request.body.variant, request.body.durationS);
      return reply.code(202).send(runView(run, opts.now()));
    },
  );

  app.post(
    '/api/faults/:id/stop',
    {
      onRequest: opts.guard,
      schema: {
        summary: 'Switches a fault back now, before its planned end',
        params: Params,
        response: { 202: FaultRunBody, ...errors },
      },
    },
    async (request, reply) => {
      const ending = opts.scheduler.stop(request.params.id);
      // The switch-back (a broker starting) can take seconds: the page follows it in GET /api/faults.
      ending.catch((err: unknown) => request.log.error({ err }, 'switching a fault back failed'));
      const run = opts.scheduler.active().find((r) => r.faultId === request.params.id);
      return reply.code(202).send(runView(run ?? (await ending), opts.now()));
    },
  );
}
