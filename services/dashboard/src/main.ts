import { createLogger, parseBrokers } from '@akaso/config';
import { createKafka, kafkaClientOptions } from '@akaso/kafka';
import { handleShutdown, kafkaCheck } from '@akaso/service';
import { buildApp } from './app.ts';
import { createCollector } from './collector.ts';
import { configOrExit } from './config.ts';
import { createControlGuard } from './control-guard.ts';
import { kafkaDeadLetterStore } from './dlq-routes.ts';
import { createFaultPanel } from './fault-panel.ts';
import { rushRunnerFromConfig } from './rush-runner.ts';

const config = configOrExit();
const logger = createLogger('dashboard', config.LOG_LEVEL);
const brokers = parseBrokers(config.KAFKA_BROKERS);
// Short timeouts: a snapshot about a broker that just died must come back in time to show it.
const kafka = createKafka(
  kafkaClientOptions(config, {
    clientId: 'dashboard',
    logger,
    logLevel: 'error',
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
  }),
);
const collector = createCollector({
  kafka,
  configuredBrokers: brokers,
  serviceUrls: config.SERVICE_URLS.split(','),
  pipelineGroups: ['order-status', 'inventory', 'payment', 'email'],
  intervalMs: config.SNAPSHOT_INTERVAL_MS,
  logger,
});
// Infrastructure faults run the local stack's own part commands with this same Node binary.
const faults = createFaultPanel(config, { kafka, nodePath: process.execPath });
const app = await buildApp({
  logger,
  collector,
  readiness: [kafkaCheck(kafka)],
  rush: rushRunnerFromConfig(config, logger),
  jaegerWebUrl: config.JAEGER_WEB_URL || undefined,
  jaegerQueryUrl: config.JAEGER_QUERY_URL,
  orderApiUrl: config.ORDER_API_URL,
  deadLetters: kafkaDeadLetterStore(kafka),
  faults,
  control: createControlGuard({
    allowRemote: config.CONTROL_ALLOW_REMOTE,
    extraHosts: config.CONTROL_HOSTS.split(',').filter(Boolean),
  }),
});

collector.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'dashboard ready');

handleShutdown(logger, [
  // First: a fault left on (a broker down, a provider failing) must not outlive the panel.
  ['faults', () => faults.scheduler.stopAll()],
  ['http', () => app.close()],
  ['collector', () => collector.stop()],
]);
