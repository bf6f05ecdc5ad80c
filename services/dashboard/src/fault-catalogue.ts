import { allTopics, dlqTopic, groupsReading, type TopicName } from '@akaso/contracts';
import { type FlagName, groupDelayFlags } from '@akaso/flags';

/**
 * The workshop's faults: what each one breaks, how it is switched on and back, and where to
 * watch it. Pure data plus the translation of a step into the command a person would type, so
 * the page can show the `docker compose` equivalent of what the local stack runs.
 */

/** The run-time switches the services read from the flags file. */
export type FlagKey = FlagName;

/** One step of switching a fault on or back. */
export type FaultStep =
  /** A part command of the local stack (`pnpm stack kill kafka-2`). */
  | { kind: 'stack'; command: 'kill' | 'start' | 'stop' | 'restart'; part: string }
  /** Sets a run-time switch in the flags file. */
  | { kind: 'set-flag'; key: FlagKey; value: number }
  /** Removes a switch: the service goes back to its configured value. */
  | { kind: 'clear-flag'; key: FlagKey }
  /** Produces one message no consumer can parse to a pipeline topic. */
  | { kind: 'poison'; topic: TopicName };

export interface FaultVariant {
  id: string;
  label: string;
  on: FaultStep[];
  /** Empty for a one-shot fault (a restart, a poison message): it is over once `on` is done. */
  off: FaultStep[];
}

export interface Fault {
  id: string;
  label: string;
  variants: FaultVariant[];
  defaultDurationS: number;
  /** Which panel or metric shows the fault and its healing. */
  watch: string;
}

/** What the page can do with infrastructure faults: run them, show their compose commands, or neither. */
export type StackControl = 'local' | 'compose' | 'off';

export const durationBoundsS = { min: 5, max: 600 } as const;

const brokerIds = [1, 2, 3] as const;
const addedInstances = ['payment', 'inventory', 'email'] as const;
// A delay per message that a rush of a few orders a second outruns on one instance, so lag climbs.
const groupDelayMs = 250;

const stack = (command: 'kill' | 'start' | 'stop' | 'restart', part: string): FaultStep => ({
  kind: 'stack',
  command,
  part,
});

/** A part stopped cleanly for the fault's duration, started again at its end. */
const downWhileOn = (part: string) => ({ on: [stack('stop', part)], off: [stack('start', part)] });

export const faultCatalogue: readonly Fault[] = [
  {
    id: 'broker-down',
    label: 'A broker down (SIGKILL), then back',
    defaultDurationS: 30,
    variants: brokerIds.map((id) => ({
      id: `kafka-${id}`,
      label: `broker ${id}`,
      on: [stack('kill', `kafka-${id}`)],
      off: [stack('start', `kafka-${id}`)],
    })),
    watch:
      'Cluster: the broker shows DOWN and the partitions it led get new leaders within seconds; ' +
      'Topics: their ISR shrinks to 2 (under-replicated); Funnel: keeps flowing (a dent, not a gap). ' +
      'After the switch-back the broker catches up and under-replicated returns to 0.',
  },
  {
    id: 'postgres',
    label: 'PostgreSQL restarted, or down for a while',
    defaultDurationS: 15,
    variants: [
      { id: 'restart', label: 'restart (fast)', on: [stack('restart', 'postgres')], off: [] },
      { id: 'down', label: 'down for the duration', ...downWhileOn('postgres') },
    ],
    watch:
      'Outbox & DLQ: the outbox backlog grows while the database is away and falls to 0 by itself; no .dlq grows. ' +
      'Consumer groups: lag rises on every group and drains, no member leaves. Funnel: a pause in confirmed, then a catch-up.',
  },
  {
    id: 'smtp-down',
    label: 'SMTP sink (Mailpit) down',
    defaultDurationS: 20,
    variants: [{ id: 'mailpit', label: 'Mailpit', ...downWhileOn('mailpit') }],
    watch:
      'Funnel: confirmation emails stop while orders keep confirming, then catch up after the switch-back; ' +
      'Consumer groups: the email group’s lag climbs and drains. Every mail is sent once.',
  },
  {
    id: 'card-provider-down',
    label: 'Card provider (stripe-mock) down',
    defaultDurationS: 20,
    variants: [{ id: 'stripe-mock', label: 'stripe-mock', ...downWhileOn('stripe-mock') }],
    watch:
      'Funnel: orders stay at reserved (no confirmed) while the provider is away, then confirm; ' +
      'Consumer groups: the payment group’s lag climbs and drains. Each order is charged once.',
  },
  {
    id: 'card-provider-slow',
    label: 'Card provider slow',
    defaultDurationS: 30,
    variants: [0, 300, 1500].map((ms) => ({
      id: `${ms}ms`,
      label: `+${new Intl.NumberFormat('en').format(ms)} ms per charge`,
      on: [{ kind: 'set-flag', key: 'payment.latencyMs', value: ms }],
      off: [{ kind: 'clear-flag', key: 'payment.latencyMs' }],
    })),
    watch:
      'Funnel: confirmed lags behind reserved under a rush; Consumer groups: payment’s lag climbs at 1,500 ms ' +
      'and drains after the switch-back. The API still answers at once (202): the customer does not wait for the card.',
  },
  {
    id: 'card-provider-failing',
    label: 'Card provider declining cards',
    defaultDurationS: 30,
    variants: [10, 50, 100].map((pct) => ({
      id: `${pct}pct`,
      label: `${pct} % declined`,
      on: [{ kind: 'set-flag', key: 'payment.declineRate', value: pct / 100 }],
      off: [{ kind: 'clear-flag', key: 'payment.declineRate' }],
    })),
    watch:
      'Funnel: rejected rises (that share of orders, reason payment declined), confirmed falls; ' +
      'the stock of declined orders is released. After the switch-back new orders confirm again.',
  },
  {
    id: 'group-slowed',
    label: 'A consumer group slowed',
    defaultDurationS: 60,
    variants: Object.entries(groupDelayFlags).map(([group, key]) => ({
      id: group,
      label: `${group} (+${groupDelayMs} ms per message)`,
      on: [{ kind: 'set-flag', key, value: groupDelayMs }],
      off: [{ kind: 'clear-flag', key }],
    })),
    watch:
      'Consumer groups: the group’s lag climbs under a rush (start one) and drains after the switch-back; ' +
      'the other groups keep up. Funnel: the stages after it fall behind, then catch up.',
  },
  {
    id: 'poison',
    label: 'A poison message',
    defaultDurationS: 0,
    variants: allTopics.map((topic) => ({
      id: topic,
      label: `to ${topic} (read by ${groupsReading(topic).join(', ')})`,
      on: [{ kind: 'poison', topic }],
      off: [],
    })),
    watch:
      'Outbox & DLQ: the topic’s .dlq gains one message per group that reads it (its error and origin in the headers); ' +
      'Consumer groups: lag on the poisoned partition does not stick. Funnel: keeps flowing.',
  },
  {
    id: 'consumer-crashed',
    label: 'A consumer instance crashed (SIGKILL), then restarted',
    defaultDurationS: 20,
    variants: addedInstances.map((service) => ({
      id: service,
      label: `${service}-1`,
      on: [stack('kill', `${service}-1`)],
      off: [stack('start', `${service}-1`)],
    })),
    watch:
      'Consumer groups: the killed member stays in its group until its session times out (about 10 s: no LeaveGroup ' +
      'was sent), its lag climbing; then its partitions have no owner until the restart. Rebalances: it leaves, then ' +
      'joins again. Funnel: orders wait at that stage and go through after the restart, none lost.',
  },
  {
    id: 'consumer-added',
    label: 'A consumer instance added, then stopped (rebalances)',
    defaultDurationS: 45,
    variants: addedInstances.map((service) => ({
      id: service,
      label: `${service}-2 joins the ${service} group`,
      on: [stack('start', `${service}-2`)],
      off: [stack('stop', `${service}-2`)],
    })),
    watch:
      'Rebalances: one entry when the instance joins (1 → 2 members) and one when it is stopped (2 → 1); ' +
      'Consumer groups: the partitions split between the two members, then all return to the first. Nothing is lost.',
  },
];

export const isOneShot = (variant: FaultVariant) => variant.off.length === 0;

/** Faults whose steps need the local stack's part commands (nothing else can run them). */
export const needsStack = (variant: FaultVariant) =>
  [...variant.on, ...variant.off].some((s) => s.kind === 'stack');

const needsFlags = (variant: FaultVariant) =>
  [...variant.on, ...variant.off].some((s) => s.kind === 'set-flag' || s.kind === 'clear-flag');

/** Why the dashboard cannot run this variant here, or null when it can. */
export function unavailableReason(
  variant: FaultVariant,
  { control, flags }: { control: StackControl; flags: boolean },
): string | null {
  if (needsStack(variant) && control === 'compose') {
    return 'under Docker Compose the dashboard does not control containers: run the command shown';
  }
  if (needsStack(variant) && control === 'off') {
    return 'stack control is off (STACK_CONTROL=local runs the local stack’s part commands)';
  }
  if (needsFlags(variant) && !flags) return 'no flags file configured (FLAGS_FILE)';
  return null;
}

const composeInstance = (part: string) => {
  const instance = /^(order-api|inventory|payment|email)-(\d+)$/.exec(part);
  return instance ? { service: instance[1] as string, n: Number(instance[2]) } : null;
};

// The console producer inside a broker's container, as lab 9 types it.
const composePoison = (topic: string) =>
  `echo 'poison:{"type":"broken",' | docker compose exec -T kafka-1 /opt/kafka/bin/kafka-console-producer.sh ` +
  `--bootstrap-server localhost:9092 --topic ${topic} --property parse.key=true --property key.separator=:`;

/** The command a person types for one step under Docker Compose. */
export function composeCommand(step: FaultStep, flagsFile = '<FLAGS_FILE>'): string {
  switch (step.kind) {
    case 'stack': {
      const instance = composeInstance(step.part);
      if (!instance) return `docker compose ${step.command} ${step.part}`;
      // Instance 1 is the service's container; a further instance is a replica: scaled up, then down.
      if (instance.n === 1 || step.command === 'kill' || step.command === 'restart')
        return `docker compose ${step.command} ${instance.service}`;
      const n = step.command === 'start' ? instance.n : instance.n - 1;
      return `docker compose up -d --scale ${instance.service}=${n}`;
    }
    case 'set-flag':
      return `set "${step.key}": ${step.value} in ${flagsFile} (the panel does this for you)`;
    case 'clear-flag':
      return `remove "${step.key}" from ${flagsFile} (the panel does this for you)`;
    case 'poison':
      return composePoison(step.topic);
  }
}

/** The same step as the local stack runs it (`pnpm stack kill kafka-2`), for the fault's log. */
export function localCommand(step: FaultStep): string {
  switch (step.kind) {
    case 'stack':
      return `pnpm stack ${step.command} ${step.part}`;
    case 'set-flag':
      return `flag ${step.key} = ${step.value}`;
    case 'clear-flag':
      return `flag ${step.key} removed (back to the configured value)`;
    case 'poison':
      return `poison message produced to ${step.topic} (expected in ${dlqTopic(step.topic)})`;
  }
}

export const findFault = (id: string) => faultCatalogue.find((f) => f.id === id);
