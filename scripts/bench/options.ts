/**
 * What `pnpm bench` is asked to run: its flags, checked, and the cases they make (the same
 * offered load in each).
 */
import { parseArgs } from 'node:util';
import { outboxRelayLingerDefaultMs } from '../../packages/service/src/config.ts';

export type Mode = 'async' | 'sync';

export interface BenchOptions {
  rate: number;
  hold: number;
  users: number;
  realistic: boolean;
  modes: Mode[];
  /** `api` among --modes: the API alone, last. */
  apiOnly: boolean;
  lingers: number[];
  tracings: string[];
  warmupS: number;
  apiRate: number;
  /** Orders placed one at a time on the quiet stack before each async rush (loneOrder); 0: none. */
  loneOrders: number;
  /** --kafka-props: named broker settings to run every case under, one after the other (brokers.ts). */
  kafkaProps: string | undefined;
}

export function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '300' },
      hold: { type: 'string', default: '20' },
      users: { type: 'string', default: '5000' },
      realistic: { type: 'boolean', default: false },
      modes: { type: 'string', default: 'async,sync' },
      // The services' own OUTBOX_RELAY_LINGER_MS: by default the bench measures what ships.
      // `--linger 0,5` compares relay ticks (one async case each, the same offered load).
      linger: { type: 'string', default: String(outboxRelayLingerDefaultMs) },
      tracing: { type: 'string', default: 'on' },
      warmup: { type: 'string', default: '10' },
      'api-rate': { type: 'string', default: '1500' },
      'lone-orders': { type: 'string', default: '12' },
      'kafka-props': { type: 'string' },
    },
  });
  const lingers = values.linger.split(',').map(Number);
  if (lingers.length === 0 || lingers.some((l) => !Number.isInteger(l) || l < 0)) {
    throw new Error(`--linger expects a comma-separated list of milliseconds, got ${values.linger}`);
  }
  const tracings = values.tracing.split(',').map((t) => t.trim());
  if (tracings.length === 0 || tracings.some((t) => !/^(on|off|all|0(\.\d+)?|1)$/.test(t))) {
    throw new Error(
      `--tracing expects a comma-separated list of on, off, all or a ratio 0..1, got ${values.tracing}`,
    );
  }
  const loneOrders = Number(values['lone-orders']);
  if (!Number.isInteger(loneOrders) || loneOrders < 0) {
    throw new Error(`--lone-orders expects a count (0 for none), got ${values['lone-orders']}`);
  }
  const modes = values.modes.split(',');
  return {
    rate: Number(values.rate),
    hold: Number(values.hold),
    users: Number(values.users),
    realistic: values.realistic,
    modes: modes.filter((m): m is Mode => m === 'async' || m === 'sync'),
    apiOnly: modes.includes('api'),
    lingers,
    tracings,
    warmupS: Number(values.warmup),
    apiRate: Number(values['api-rate']),
    loneOrders,
    kafkaProps: values['kafka-props'],
  };
}

/** One measured rush: sync once, async once per linger and once per other tracing. */
export interface BenchCase {
  name: string;
  mode: Mode;
  lingerMs: number;
  tracing: string;
}

export function benchCases(opts: Pick<BenchOptions, 'modes' | 'lingers' | 'tracings'>): BenchCase[] {
  const baseLinger = opts.lingers[0] ?? 0;
  const baseTracing = opts.tracings[0] ?? 'on';
  return opts.modes.flatMap((mode): BenchCase[] =>
    mode === 'sync'
      ? [{ name: 'sync', mode, lingerMs: baseLinger, tracing: baseTracing }]
      : [
          ...opts.lingers.map((l, i) => ({
            name: i === 0 ? 'async' : `async-linger${l}`,
            mode,
            lingerMs: l,
            tracing: baseTracing,
          })),
          ...opts.tracings.slice(1).map((t) => ({
            name: `async-tracing-${t}`,
            mode,
            lingerMs: baseLinger,
            tracing: t,
          })),
        ],
  );
}

/**
 * The services' tracing settings for one --tracing value (their config schema's names): `on` is
 * the default configuration (every order, at most TRACES_MAX_PER_SECOND new traces a second),
 * `all` every order whatever the rate, a ratio that share of the orders without a cap.
 */
export function tracingEnv(t: string): Record<string, string> {
  if (t === 'off') return { OTEL_SDK_DISABLED: 'true' };
  if (t === 'on') return { OTEL_SDK_DISABLED: 'false' };
  return {
    OTEL_SDK_DISABLED: 'false',
    OTEL_TRACES_SAMPLER_ARG: t === 'all' ? '1' : t,
    TRACES_MAX_PER_SECOND: '0',
  };
}

/** --realistic: the third parties' latency (payment 300 ms, SMTP 100 ms); none otherwise. */
export const thirdPartyLatency = (realistic: boolean): Record<string, string> =>
  realistic
    ? { PAYMENT_LATENCY_MS: '300', SMTP_LATENCY_MS: '100' }
    : { PAYMENT_LATENCY_MS: '0', SMTP_LATENCY_MS: '0' };
