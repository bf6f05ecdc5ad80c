import Type, { type Static } from 'typebox';

/**
 * The rush panel's API bodies: what the page may ask for (bounded: a participant's laptop runs
 * the whole stack, and a typo must not start a two-day rush) and what it reads back while the
 * rush runs and once the audit has judged it.
 */
export const rushBounds = {
  rate: { min: 1, max: 400 },
  durationS: { min: 5, max: 1800 },
  users: { min: 1, max: 100_000 },
} as const;

const bounded = (b: { min: number; max: number }, description: string) =>
  Type.Integer({ minimum: b.min, maximum: b.max, description });

export const RushSettingsBody = Type.Object(
  {
    rate: bounded(rushBounds.rate, 'orders per second, offered whatever the answers (an open model)'),
    durationS: bounded(rushBounds.durationS, 'seconds of arrivals'),
    users: bounded(
      rushBounds.users,
      'distinct users the orders are drawn from (fewer: more hit the 5-burger rule)',
    ),
  },
  { additionalProperties: false },
);
export type RushSettings = Static<typeof RushSettingsBody>;

export const RushStateBody = Type.Union([
  Type.Literal('idle'),
  Type.Literal('running'),
  Type.Literal('stopping'),
  Type.Literal('auditing'),
  Type.Literal('done'),
  Type.Literal('failed'),
]);
export type RushState = Static<typeof RushStateBody>;

const ProgressBody = Type.Object({
  elapsedS: Type.Number(),
  remainingS: Type.Number(),
  /** Orders sent to the API so far. */
  placed: Type.Integer(),
  accepted: Type.Integer(),
  /** Refused by the 5-burger rule (429). */
  refused: Type.Integer(),
  /** 5xx answers and no answer at all. */
  failed: Type.Integer(),
  inFlight: Type.Integer(),
  /** Accepted orders per second of elapsed time. */
  achievedRps: Type.Number(),
  /** Time to accept so far (0 before the first accepted order). */
  p50Ms: Type.Number(),
  p99Ms: Type.Number(),
});

const CheckBody = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  outcome: Type.Union([
    Type.Literal('pass'),
    Type.Literal('fail'),
    Type.Literal('draining'),
    Type.Literal('skipped'),
    Type.Literal('info'),
  ]),
  figures: Type.String(),
  violations: Type.Integer(),
});

const VerdictBody = Type.Object({
  ok: Type.Boolean(),
  /** The line `pnpm rush` prints. */
  headline: Type.String(),
  checks: Type.Array(CheckBody),
  /** The first violations (violationCount counts them all). */
  violations: Type.Array(Type.String()),
  violationCount: Type.Integer(),
  stillDraining: Type.Union([Type.String(), Type.Null()]),
  /** Accepted → confirmation mail received, per confirmed order. */
  endToEndMs: Type.Object({
    p50: Type.Number(),
    p99: Type.Number(),
    max: Type.Number(),
    count: Type.Integer(),
  }),
});

export const RushViewBody = Type.Object({
  state: RushStateBody,
  /** The run's users are rush-<runId>-<n> (`pnpm rush-audit <runId>` audits it again). */
  runId: Type.Union([Type.String(), Type.Null()]),
  settings: Type.Union([RushSettingsBody, Type.Null()]),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Set when the rush was stopped before its end. */
  stopped: Type.Boolean(),
  progress: ProgressBody,
  verdict: Type.Union([VerdictBody, Type.Null()]),
  /** Why the rush or its audit could not run. */
  error: Type.Union([Type.String(), Type.Null()]),
});
export type RushView = Static<typeof RushViewBody>;
export type RushProgressView = RushView['progress'];
export type RushVerdict = NonNullable<RushView['verdict']>;
