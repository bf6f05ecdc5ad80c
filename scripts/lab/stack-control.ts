/**
 * The few stack operations the labs perform (kill/start a broker, restart or scale a service),
 * built on the stack's own modules so a lab does exactly what `pnpm stack …` would.
 */
import { allTopics, dlqTopic } from '@akaso/contracts';
import { describeClusterState } from '@akaso/kafka';
import { killKafkaNode, nodeName, startKafkaNode, waitForExit } from '../stack/kafka.ts';

/** One part at a time, as `pnpm stack stop|start|restart|kill <part>` (PostgreSQL, Mailpit, …). */
export { killPart, restartPart, startPart, stopPart } from '../stack/control.ts';

import { kafka as topology } from '@akaso/stack-client';
import { runningPid, silentReporter, stopProcess } from '../stack/proc.ts';
import { instanceName, type ServiceName, startServiceInstance } from '../stack/services.ts';
import { type Kafka, until, withAdmin } from './lab.ts';

export const pipelineTopics = allTopics.flatMap((t) => [t, dlqTopic(t)]);

export function kafkaNodePids(): (number | null)[] {
  return topology.nodes.map((n) => runningPid(nodeName(n)));
}

export async function killBroker(id: number): Promise<void> {
  const pid = killKafkaNode(id);
  await waitForExit(pid);
}

export async function startBroker(id: number): Promise<void> {
  const node = topology.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no Kafka node ${id}`);
  await startKafkaNode(node, silentReporter);
}

/** Every partition of the given topics has all three replicas in sync and a leader. */
export async function waitFullIsr(kafka: Kafka, topics: string[] = pipelineTopics, timeoutMs = 180_000) {
  return until(
    'every partition back to a full ISR (3 of 3)',
    () =>
      withAdmin(kafka, async (admin) => {
        const state = await describeClusterState(admin, topics);
        return state.brokers.length === 3 &&
          state.partitions.every((p) => p.isr.length === 3 && p.leader >= 0)
          ? state
          : null;
      }),
    timeoutMs,
    2_000,
  );
}

/** Restarts instance i of a service with extra environment (e.g. a latency), or without any. */
export async function restartService(service: ServiceName, i: number, env: Record<string, string> = {}) {
  await stopProcess(instanceName(service, i), 30_000);
  await startServiceInstance(service, i, silentReporter, env);
}

export async function startInstance(service: ServiceName, i: number) {
  await startServiceInstance(service, i, silentReporter);
}

export async function stopInstance(service: ServiceName, i: number) {
  await stopProcess(instanceName(service, i), 30_000);
}

export function instanceRunning(service: ServiceName, i: number): boolean {
  return runningPid(instanceName(service, i)) !== null;
}
