import { allTopics, groupNames } from '@akaso/contracts';
import { describe, expect, it } from 'vitest';
import {
  composeCommand,
  type FaultStep,
  faultCatalogue,
  isOneShot,
  localCommand,
  needsStack,
  unavailableReason,
} from './fault-catalogue.ts';

const variant = (faultId: string, variantId: string) => {
  const v = faultCatalogue.find((f) => f.id === faultId)?.variants.find((x) => x.id === variantId);
  if (!v) throw new Error(`no ${faultId}/${variantId}`);
  return v;
};

/** The step that undoes `step`, if it is one a switch-back must contain. */
const undoOf = (step: FaultStep): FaultStep | null => {
  if (step.kind === 'set-flag') return { kind: 'clear-flag', key: step.key };
  if (step.kind === 'stack' && (step.command === 'kill' || step.command === 'stop'))
    return { kind: 'stack', command: 'start', part: step.part };
  if (step.kind === 'stack' && step.command === 'start')
    return { kind: 'stack', command: 'stop', part: step.part };
  return null;
};

describe('the fault catalogue', () => {
  it('has the workshop’s faults, each with variants, a label and what to watch', () => {
    expect(faultCatalogue.map((f) => f.id)).toEqual([
      'broker-down',
      'postgres',
      'smtp-down',
      'card-provider-down',
      'card-provider-slow',
      'card-provider-failing',
      'group-slowed',
      'poison',
      'consumer-crashed',
      'consumer-added',
    ]);
    for (const fault of faultCatalogue) {
      expect(fault.variants.length, fault.id).toBeGreaterThan(0);
      expect(new Set(fault.variants.map((v) => v.id)).size, fault.id).toBe(fault.variants.length);
      expect(fault.watch, fault.id).toMatch(
        /(Cluster|Topics|Funnel|Consumer groups|Rebalances|Outbox & DLQ):/,
      );
    }
  });

  it('switches back exactly what it switched on', () => {
    for (const fault of faultCatalogue) {
      for (const v of fault.variants) {
        if (isOneShot(v)) continue;
        expect(v.off, `${fault.id}/${v.id}`).toEqual(v.on.map(undoOf));
        expect(fault.defaultDurationS).toBeGreaterThanOrEqual(5);
      }
    }
  });

  it('offers the variants the labs name: brokers 1-3, 0/300/1,500 ms, 10/50/100 %, every topic', () => {
    expect(variant('broker-down', 'kafka-2').on).toEqual([
      { kind: 'stack', command: 'kill', part: 'kafka-2' },
    ]);
    expect(faultCatalogue.find((f) => f.id === 'card-provider-slow')?.variants.flatMap((v) => v.on)).toEqual(
      [0, 300, 1500].map((value) => ({ kind: 'set-flag', key: 'payment.latencyMs', value })),
    );
    expect(
      faultCatalogue.find((f) => f.id === 'card-provider-failing')?.variants.flatMap((v) => v.on),
    ).toEqual([0.1, 0.5, 1].map((value) => ({ kind: 'set-flag', key: 'payment.declineRate', value })));
    expect(faultCatalogue.find((f) => f.id === 'poison')?.variants.map((v) => v.id)).toEqual(allTopics);
    // Each slowed group is a pipeline group, and its switch is the flag named after it.
    for (const v of faultCatalogue.find((f) => f.id === 'group-slowed')?.variants ?? []) {
      expect(groupNames).toContain(v.id);
      expect(v.on).toEqual([expect.objectContaining({ kind: 'set-flag', key: `${v.id}.delayMs` })]);
    }
    expect(isOneShot(variant('postgres', 'restart'))).toBe(true);
    expect(isOneShot(variant('postgres', 'down'))).toBe(false);
  });

  it('names the docker compose command of each infrastructure step', () => {
    const commands = (faultId: string, variantId: string) => {
      const v = variant(faultId, variantId);
      return [...v.on, ...v.off].map((s) => composeCommand(s));
    };
    expect(commands('broker-down', 'kafka-3')).toEqual([
      'docker compose kill kafka-3',
      'docker compose start kafka-3',
    ]);
    expect(commands('postgres', 'restart')).toEqual(['docker compose restart postgres']);
    expect(commands('smtp-down', 'mailpit')).toEqual([
      'docker compose stop mailpit',
      'docker compose start mailpit',
    ]);
    expect(commands('card-provider-down', 'stripe-mock')).toEqual([
      'docker compose stop stripe-mock',
      'docker compose start stripe-mock',
    ]);
    // A second instance is a replica under compose: scaled up, then back down.
    expect(commands('consumer-added', 'payment')).toEqual([
      'docker compose up -d --scale payment=2',
      'docker compose up -d --scale payment=1',
    ]);
    expect(commands('consumer-crashed', 'payment')).toEqual([
      'docker compose kill payment',
      'docker compose start payment',
    ]);
    expect(commands('poison', 'payments')[0]).toMatch(/kafka-console-producer\.sh .*--topic payments /);
    expect(localCommand(variant('broker-down', 'kafka-3').on[0] as FaultStep)).toBe(
      'pnpm stack kill kafka-3',
    );
  });

  it('says why a variant cannot run: infrastructure under compose or with control off, flags without a file', () => {
    const broker = variant('broker-down', 'kafka-1');
    const slow = variant('card-provider-slow', '300ms');
    const poison = variant('poison', 'orders');
    expect(needsStack(broker)).toBe(true);
    expect(unavailableReason(broker, { control: 'local', flags: true })).toBeNull();
    expect(unavailableReason(broker, { control: 'compose', flags: true })).toMatch(/run the command shown/);
    expect(unavailableReason(broker, { control: 'off', flags: true })).toMatch(/STACK_CONTROL=local/);
    expect(unavailableReason(slow, { control: 'compose', flags: true })).toBeNull();
    expect(unavailableReason(slow, { control: 'local', flags: false })).toMatch(/FLAGS_FILE/);
    expect(unavailableReason(poison, { control: 'off', flags: false })).toBeNull();
  });
});
