import { dlqTopic } from '@akaso/contracts';
import { type Flags, readFlags, writeFlags } from '@akaso/flags';
import { ACKS_ALL, type Kafka, withProducer } from '@akaso/kafka';
import type { FaultStep, StackControl } from './fault-catalogue.ts';
import { runStackCommand, stackCommandTimeoutMs } from './stack-command.ts';

/**
 * Carries out a fault's steps for real: the local stack's part commands, the flags file the
 * services poll, a poison message through the same producer (acks=all, idempotent) and Kafka
 * security settings as everything else the dashboard does.
 */

export interface StepRunnerDeps {
  control: StackControl;
  /** The repository's root, for the local stack's CLI (STACK_CONTROL=local). */
  stackRoot?: string;
  nodePath: string;
  flagsFile?: string;
  kafka: Kafka;
  now: () => number;
}

// Not JSON: every consumer's decoder rejects it as a contract violation, so it is dead-lettered
// at once (no retries) and the partition flows on.
export const poisonValue = '{"type":"OrderPlaced","version":1,"orderId":';

export function createStepRunner(deps: StepRunnerDeps) {
  // Read-modify-write of the flags file, one at a time: two faults switching at the same moment
  // must not lose each other's key.
  let flagsQueue: Promise<unknown> = Promise.resolve();
  const updateFlags = (change: (flags: Flags) => Flags): Promise<Flags> => {
    const { flagsFile } = deps;
    if (!flagsFile) return Promise.reject(new Error('no flags file configured (FLAGS_FILE)'));
    const next = flagsQueue.then(async () => {
      const flags = change(await readFlags(flagsFile));
      await writeFlags(flagsFile, flags);
      return flags;
    });
    flagsQueue = next.catch(() => {});
    return next;
  };

  return async function runStep(step: FaultStep, log: (line: string) => void): Promise<void> {
    switch (step.kind) {
      case 'stack': {
        if (deps.control !== 'local' || !deps.stackRoot) {
          throw new Error('the local stack’s part commands are not available here (STACK_CONTROL=local)');
        }
        await runStackCommand(step.command, step.part, {
          root: deps.stackRoot,
          nodePath: deps.nodePath,
          timeoutMs: stackCommandTimeoutMs[step.command],
          log,
        });
        return;
      }
      case 'set-flag': {
        const flags = await updateFlags((f) => ({ ...f, [step.key]: step.value }));
        log(`flags now ${JSON.stringify(flags)}`);
        return;
      }
      case 'clear-flag': {
        const flags = await updateFlags(({ [step.key]: _removed, ...rest }) => rest);
        log(`flags now ${JSON.stringify(flags)}`);
        return;
      }
      case 'poison': {
        const key = `poison-${deps.now()}`;
        const [meta] = await withProducer(deps.kafka, (producer) =>
          producer.send({ topic: step.topic, acks: ACKS_ALL, messages: [{ key, value: poisonValue }] }),
        );
        log(
          `written to ${step.topic} partition ${meta?.partition ?? '?'} offset ${meta?.baseOffset ?? '?'} (key ${key}); ` +
            `each group that reads it dead-letters it to ${dlqTopic(step.topic)}`,
        );
        return;
      }
    }
  };
}
