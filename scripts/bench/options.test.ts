import { describe, expect, it } from 'vitest';
import { serviceConfig } from '../../packages/service/src/config.ts';
import { benchCases, parseBenchArgs, tracingEnv } from './options.ts';

describe('parseBenchArgs', () => {
  it('has the documented defaults', () => {
    expect(parseBenchArgs([])).toEqual({
      rate: 300,
      hold: 20,
      users: 5000,
      realistic: false,
      modes: ['async', 'sync'],
      apiOnly: false,
      lingers: [100],
      tracings: ['on'],
      warmupS: 10,
      apiRate: 1500,
      loneOrders: 12,
      kafkaProps: undefined,
    });
  });

  it('measures the relay tick the services ship with, unless --linger says otherwise', () => {
    // The default the services' own configuration schema gives (packages/service/src/config.ts).
    const shipped = (serviceConfig(3000).OUTBOX_RELAY_LINGER_MS as { default?: unknown }).default;
    expect(shipped).toBeTypeOf('number');
    expect(parseBenchArgs([]).lingers).toEqual([shipped]);
    expect(parseBenchArgs(['--linger', '0,5']).lingers).toEqual([0, 5]);
  });

  it('reads the flags; api among the modes is the API alone', () => {
    const o = parseBenchArgs([
      '--rate',
      '200',
      '--hold',
      '30',
      '--realistic',
      '--modes',
      'async,api',
      '--linger',
      '5',
    ]);
    expect(o).toMatchObject({
      rate: 200,
      hold: 30,
      realistic: true,
      modes: ['async'],
      apiOnly: true,
      lingers: [5],
    });
  });

  it('refuses a linger or a tracing it cannot run', () => {
    expect(() => parseBenchArgs(['--linger', '5,-1'])).toThrow(/--linger/);
    expect(() => parseBenchArgs(['--linger', '2.5'])).toThrow(/--linger/);
    expect(() => parseBenchArgs(['--tracing', 'on,sometimes'])).toThrow(/--tracing/);
    expect(() => parseBenchArgs(['--lone-orders', '-1'])).toThrow(/--lone-orders/);
  });
});

describe('benchCases', () => {
  it('runs sync once and async once per linger and once per further tracing, the first of each the baseline', () => {
    expect(benchCases({ modes: ['async', 'sync'], lingers: [0, 5], tracings: ['on', 'off'] })).toEqual([
      { name: 'async', mode: 'async', lingerMs: 0, tracing: 'on' },
      { name: 'async-linger5', mode: 'async', lingerMs: 5, tracing: 'on' },
      { name: 'async-tracing-off', mode: 'async', lingerMs: 0, tracing: 'off' },
      { name: 'sync', mode: 'sync', lingerMs: 0, tracing: 'on' },
    ]);
  });
});

describe('tracingEnv', () => {
  it('maps each --tracing value to the services settings', () => {
    expect(tracingEnv('off')).toEqual({ OTEL_SDK_DISABLED: 'true' });
    expect(tracingEnv('on')).toEqual({ OTEL_SDK_DISABLED: 'false' });
    expect(tracingEnv('all')).toMatchObject({ OTEL_TRACES_SAMPLER_ARG: '1', TRACES_MAX_PER_SECOND: '0' });
    expect(tracingEnv('0.1')).toMatchObject({ OTEL_TRACES_SAMPLER_ARG: '0.1' });
  });
});
