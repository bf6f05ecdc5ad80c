import type { Admin } from '@akaso/kafka';
import { errorText } from './error-text.ts';
import type { BrokerView } from './snapshot.ts';

/**
 * The brokers as the cluster metadata lists them, beside the configured ones: a broker that left
 * the metadata is still shown (down), by the node id it had when it was last seen.
 */
export async function readCluster(
  a: Admin,
  configuredBrokers: string[],
  knownIds: Map<string, number>,
  errors: string[],
) {
  try {
    const cluster = await a.describeCluster();
    const up = new Map(cluster.brokers.map((b) => [`${b.host}:${b.port}`, b.nodeId]));
    for (const [address, id] of up) knownIds.set(address, id);
    const addresses = [...new Set([...configuredBrokers, ...up.keys(), ...knownIds.keys()])];
    const brokers: BrokerView[] = addresses.map((address) => {
      const nodeId = up.get(address) ?? knownIds.get(address) ?? null;
      return {
        nodeId,
        address,
        configured: configuredBrokers.includes(address),
        up: up.has(address),
        controller: nodeId !== null && nodeId === cluster.controller,
        leaderOf: 0,
      };
    });
    brokers.sort((x, y) => (x.nodeId ?? 1e9) - (y.nodeId ?? 1e9) || x.address.localeCompare(y.address));
    return { clusterId: cluster.clusterId, controllerId: cluster.controller, brokers };
  } catch (err) {
    errors.push(`cluster metadata: ${errorText(err)}`);
    return null;
  }
}
