import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createConsumerRunner } from '../../src/consumer.ts';
import type { BatchHandler } from '../../src/delivery.ts';
import { openSummary, report, runSchedules, scheduleSeeds } from './run-schedules.ts';
import { generateScenario } from './scenario.ts';
import { runSchedule, type SimDeps } from './simulation.ts';

const SCHEDULES = 5_000;
const CHUNK = 1_000;
const deps: SimDeps = { createConsumerRunner };

/** The real runner with its handler replaced (given the test's own), to break the contract on purpose. */
const withHandler = (replace: (handler: BatchHandler) => BatchHandler): SimDeps => ({
  createConsumerRunner: (opts) => createConsumerRunner({ ...opts, handler: replace(opts.handler) }),
});

// A new seed every run, printed: a failure names its own schedule's seed, replayable alone.
const seed = Math.floor(Math.random() * 4_294_967_296);

describe('the consumer runner, simulated', () => {
  console.log(
    `simulating ${SCHEDULES} schedules from seed ${seed} (all again: pnpm test:sim --seed ${seed} --schedules ${SCHEDULES})`,
  );
  const seeds = scheduleSeeds(seed, SCHEDULES);

  for (let from = 0; from < SCHEDULES; from += CHUNK) {
    it(`schedules ${from + 1} to ${from + CHUNK}: every invariant holds after every step`, async () => {
      const summary = await runSchedules(seeds.slice(from, from + CHUNK), deps);
      const failure = summary.failures[0];
      if (failure) expect.fail(await report(failure.seed, deps));
      expect(summary.schedules).toBe(CHUNK);
      const open = openSummary(summary.open);
      if (open) console.log(`schedules ${from + 1} to ${from + CHUNK}: ${open}`);
    }, 120_000);
  }

  it('replays a schedule exactly from its seed', async () => {
    const s = seeds[0] as number;
    const a = await runSchedule(generateScenario(s), deps, { record: true });
    const b = await runSchedule(generateScenario(s), deps, { record: true });
    expect(a.trace?.length).toBeGreaterThan(10);
    expect(b.trace).toEqual(a.trace);
  });

  // The invariants can fail: runners that break the contract on purpose are caught.
  it('catches a runner whose handler does nothing but whose offsets are committed (a)', async () => {
    const broken = withHandler(() => async () => {});
    const summary = await runSchedules(seeds.slice(0, 200), broken);
    expect(summary.failures[0]?.violation).toMatch(/^\(a\)/);
  });

  it('catches a runner that dead-letters what could succeed (g)', async () => {
    const rejecting = withHandler(() => async () => {
      throw Object.assign(new Error('no'), { code: 'NOPE', retriable: false });
    });
    const summary = await runSchedules(seeds.slice(0, 200), rejecting);
    expect(summary.failures[0]?.violation).toMatch(/^\(g\)/);
  });

  it('catches a runner whose commits never reach the group (d)', async () => {
    // Both ways a runner can commit (consumer.commitOffsets, eachBatch's commitOffsetsIfNecessary)
    // answer without committing.
    const dropCommits = (consumer: Consumer): Consumer => {
      const run = consumer.run.bind(consumer);
      return Object.assign(consumer, {
        commitOffsets: async () => {},
        run: (config: ConsumerRunConfig) =>
          run({
            ...config,
            eachBatch: (payload: EachBatchPayload) =>
              config.eachBatch?.({ ...payload, commitOffsetsIfNecessary: async () => {} }) ??
              Promise.resolve(),
          }),
      });
    };
    const forgetful: SimDeps = {
      createConsumerRunner: (opts) =>
        createConsumerRunner({
          ...opts,
          kafka: { consumer: (config: ConsumerConfig) => dropCommits(opts.kafka.consumer(config)) } as Kafka,
        }),
    };
    const summary = await runSchedules(seeds.slice(0, 50), forgetful);
    expect(summary.failures[0]?.violation).toMatch(/^\(d\)/);
  });

  it('catches a runner that applies a key out of order (c)', async () => {
    const reversed = withHandler((handler) => (deliveries, ctx) => handler([...deliveries].reverse(), ctx));
    const summary = await runSchedules(seeds.slice(0, 500), reversed);
    expect(summary.failures[0]?.violation).toMatch(/^\(c\)/);
  });
});
