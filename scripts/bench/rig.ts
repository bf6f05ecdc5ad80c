/**
 * The stack as a bench case needs it: services started with the case's settings (restarted only
 * when they change), the stock refilled before each rush, each run's mails removed once counted.
 */
import { cpus } from 'node:os';
import { mailpitUrl } from '@akaso/stack-client';
import { setStock, stock } from '@akaso/testkit';
import { consoleReporter, stopProcess } from '../stack/proc.ts';
import {
  defaultScale,
  instanceName,
  runningInstances,
  type ServiceName,
  startServices,
  stopServices,
} from '../stack/services.ts';
import { tracingEnv } from './options.ts';

export interface ServiceSettings {
  lingerMs: number;
  tracing: string;
}

export interface Rig {
  /**
   * Services running with these settings (the bench's third-party latency, quieter logs);
   * `fresh` is true when they were (re)started for it, so a warm-up is due.
   */
  servicesWith(settings: ServiceSettings): Promise<{ fresh: boolean }>;
  /** Stops every instance of the given services (their settings are then unknown). */
  stop(services: ServiceName[]): Promise<void>;
  /** The default services, default settings: after the bench has changed them. */
  restoreDefaults(): Promise<void>;
  /** The next case restarts the services (and warms up): after the brokers were restarted. */
  forget(): void;
}

export function createRig(thirdParty: Record<string, string>): Rig {
  let runningAs: string | null = null;
  return {
    async servicesWith({ lingerMs, tracing }) {
      const key = `${lingerMs}/${tracing}`;
      if (runningAs === key) return { fresh: false };
      await stopServices();
      await startServices(consoleReporter, defaultScale, {
        ...thirdParty,
        OUTBOX_RELAY_LINGER_MS: String(lingerMs),
        ...tracingEnv(tracing),
        LOG_LEVEL: 'warn',
      });
      runningAs = key;
      return { fresh: true };
    },
    async stop(services) {
      const running = await runningInstances();
      await Promise.all(
        running
          .filter((inst) => services.includes(inst.service))
          .map((inst) => stopProcess(instanceName(inst.service, inst.i), 30_000)),
      );
      runningAs = null;
    },
    async restoreDefaults() {
      await stopServices();
      await startServices(consoleReporter, defaultScale);
      runningAs = null;
    },
    forget() {
      runningAs = null;
    },
  };
}

export async function describeServices(settings: ServiceSettings): Promise<string> {
  const instances = (await runningInstances()).map((i) => `${i.service}-${i.i}`).join(', ');
  return `services: ${instances}; OUTBOX_RELAY_LINGER_MS=${settings.lingerMs}; tracing ${settings.tracing}; ${cpus().length} cores`;
}

/**
 * A run's mails leave Mailpit once audited (its users' addresses are rush-<runId>-N@rush.test).
 * One bench sends tens of thousands, and Mailpit's CPU per mail grows with what it stores, so
 * each bench would otherwise measure a slower sink than the one before it.
 */
export async function removeRunMails(runId: string): Promise<void> {
  const query = encodeURIComponent(`to:rush-${runId}-`);
  const res = await fetch(`${mailpitUrl}/api/v1/search?query=${query}`, { method: 'DELETE' }).catch(
    (err: Error) => ({ ok: false, status: err.message }),
  );
  if (!res.ok) console.error(`  the run's mails stay in Mailpit (delete failed: ${res.status})`);
}

/**
 * Every ingredient restocked before each rush: a bench that runs out of buns measures rejections
 * (no charge, one mail) instead of orders, and its CPU per order looks a third cheaper than it is.
 */
export async function restock(): Promise<void> {
  for (const id of Object.keys(await stock())) await setStock(id, 1_000_000);
}
