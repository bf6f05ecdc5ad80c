import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FaultStep } from './fault-catalogue.ts';
import { localCommand } from './fault-catalogue.ts';
import { createFaultScheduler, type SchedulerDeps } from './fault-scheduler.ts';

/** The steps carried out, as the commands a person would type; `failOn` makes one of them throw. */
function harness(overrides: Partial<SchedulerDeps> & { failOn?: string } = {}) {
  const done: string[] = [];
  const scheduler = createFaultScheduler({
    runStep: async (step: FaultStep, log) => {
      const command = localCommand(step);
      if (command === overrides.failOn) throw new Error('exit code 1');
      log(`ran ${command}`);
      done.push(command);
    },
    now: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    ...overrides,
  });
  return { scheduler, done };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-24T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the fault scheduler', () => {
  it('switches a fault on, counts down to its planned end and switches it back by itself', async () => {
    const { scheduler, done } = harness();
    const t0 = Date.now();
    const run = scheduler.start('broker-down', 'kafka-2', 15);
    expect(run).toMatchObject({ state: 'starting', startedAt: t0, plannedEndAt: t0 + 15_000 });
    await scheduler.idle();
    expect(done).toEqual(['pnpm stack kill kafka-2']);
    expect(scheduler.active()).toMatchObject([{ faultId: 'broker-down', state: 'on' }]);

    await vi.advanceTimersByTimeAsync(14_999);
    expect(done).toEqual(['pnpm stack kill kafka-2']);
    await vi.advanceTimersByTimeAsync(1);
    await scheduler.idle();
    expect(done).toEqual(['pnpm stack kill kafka-2', 'pnpm stack start kafka-2']);
    expect(scheduler.active()).toEqual([]);
    expect(scheduler.history()).toMatchObject([
      { faultId: 'broker-down', variantId: 'kafka-2', outcome: 'ended', startedAt: t0, endedAt: t0 + 15_000 },
    ]);
    expect(scheduler.history()[0]?.log.join('\n')).toMatch(
      /kill kafka-2[\s\S]*time is up[\s\S]*start kafka-2/,
    );
  });

  it('stops early on request, and the timer then switches nothing back a second time', async () => {
    const { scheduler, done } = harness();
    scheduler.start('card-provider-failing', '100pct', 30);
    await vi.advanceTimersByTimeAsync(10_000);
    const ended = await scheduler.stop('card-provider-failing');
    expect(ended).toMatchObject({ outcome: 'stopped early', endedAt: Date.now() });
    await vi.advanceTimersByTimeAsync(60_000);
    await scheduler.idle();
    expect(done).toEqual([
      'flag payment.declineRate = 1',
      expect.stringMatching(/^flag payment.declineRate removed/),
    ]);
    expect(scheduler.history()).toHaveLength(1);
  });

  it('runs at most one instance of a fault at a time; other faults run beside it', async () => {
    const { scheduler } = harness();
    scheduler.start('broker-down', 'kafka-1', 30);
    expect(() => scheduler.start('broker-down', 'kafka-3', 30)).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    scheduler.start('card-provider-slow', '1500ms', 30);
    await scheduler.idle();
    expect(scheduler.active().map((r) => r.faultId)).toEqual(['broker-down', 'card-provider-slow']);
    // Once it has ended, the same fault can run again.
    await scheduler.stop('broker-down');
    expect(() => scheduler.start('broker-down', 'kafka-3', 30)).not.toThrow();
  });

  it('ends a one-shot fault as soon as its step is done, with no switch-back', async () => {
    const { scheduler, done } = harness();
    const run = scheduler.start('poison', 'orders');
    expect(run.plannedEndAt).toBeNull();
    await scheduler.idle();
    expect(done).toEqual(['poison message produced to orders (expected in orders.dlq)']);
    expect(scheduler.active()).toEqual([]);
    expect(scheduler.history()[0]).toMatchObject({ outcome: 'done', state: 'ended' });
  });

  it('switches every active fault back when the dashboard stops, and refuses new ones', async () => {
    const { scheduler, done } = harness();
    scheduler.start('smtp-down', 'mailpit', 60);
    scheduler.start('group-slowed', 'email', 60);
    await scheduler.idle();
    await scheduler.stopAll();
    expect(done).toEqual(
      expect.arrayContaining([
        'pnpm stack start mailpit',
        expect.stringMatching(/^flag email.delayMs removed/),
      ]),
    );
    expect(scheduler.active()).toEqual([]);
    expect(scheduler.history().map((r) => r.outcome)).toEqual([
      'switched back at shutdown',
      'switched back at shutdown',
    ]);
    expect(() => scheduler.start('smtp-down', 'mailpit', 60)).toThrow(/stopping/);
  });

  it('waits for a slow switch-on before switching back (a timer shorter than the start)', async () => {
    let finishStart: () => void = () => {};
    const done: string[] = [];
    const scheduler = createFaultScheduler({
      runStep: (step) => {
        done.push(localCommand(step));
        return step.kind === 'stack' && step.command === 'start' && step.part === 'payment-2'
          ? new Promise<void>((resolve) => {
              finishStart = resolve;
            })
          : Promise.resolve();
      },
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    });
    scheduler.start('consumer-added', 'payment', 5);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(done).toEqual(['pnpm stack start payment-2']);
    finishStart();
    await scheduler.idle();
    expect(done).toEqual(['pnpm stack start payment-2', 'pnpm stack stop payment-2']);
    expect(scheduler.history()[0]?.outcome).toBe('ended');
  });

  it('undoes a switch-on that failed and records the failure with its log', async () => {
    const { scheduler, done } = harness({ failOn: 'pnpm stack stop stripe-mock' });
    scheduler.start('card-provider-down', 'stripe-mock', 20);
    await scheduler.idle();
    expect(done).toEqual(['pnpm stack start stripe-mock']);
    expect(scheduler.active()).toEqual([]);
    const [run] = scheduler.history();
    expect(run).toMatchObject({ state: 'failed', outcome: 'failed' });
    expect(run?.log.join('\n')).toContain('failed: exit code 1');
  });

  it('refuses bad input with the error code the API answers', () => {
    const { scheduler } = harness({
      unavailable: (v) => (v.on.some((s) => s.kind === 'stack') ? 'under compose' : null),
    });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return 'none';
    };
    expect(code(() => scheduler.start('no-such-fault', 'x'))).toBe('NOT_FOUND');
    expect(code(() => scheduler.start('card-provider-slow', '42ms'))).toBe('VALIDATION_ERROR');
    expect(code(() => scheduler.start('card-provider-slow', '300ms', 4))).toBe('VALIDATION_ERROR');
    expect(code(() => scheduler.start('card-provider-slow', '300ms', 601))).toBe('VALIDATION_ERROR');
    expect(code(() => scheduler.start('card-provider-slow', '300ms', 7.5))).toBe('VALIDATION_ERROR');
    expect(code(() => scheduler.start('broker-down', 'kafka-2', 30))).toBe('CONFLICT');
    expect(code(() => scheduler.start('card-provider-slow', '300ms'))).toBe('none');
  });

  it('keeps a bounded history, newest first', async () => {
    const { scheduler } = harness({ historyLimit: 3 });
    for (const topic of ['orders', 'inventory', 'payments', 'order-status']) {
      scheduler.start('poison', topic);
      await scheduler.idle();
    }
    expect(scheduler.history().map((r) => r.variantId)).toEqual(['order-status', 'payments', 'inventory']);
  });
});
