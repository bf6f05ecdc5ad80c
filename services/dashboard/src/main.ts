import { createLogger, parseBrokers } from '@akaso/config';
import { createKafka, kafkaClientOptions } from '@akaso/kafka';
import { handleShutdown, kafkaCheck } from '@akaso/service';
import { buildApp } from './app.ts';
import { createCollector } from './collector.ts';
import { configOrExit } from './config.ts';
import { createControlGuard } from './control-guard.ts';
import { kafkaDeadLetterStore } from './dlq-routes.ts';

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
const app = await buildApp({
  logger,
  collector,
  readiness: [kafkaCheck(kafka)],
  jaegerWebUrl: config.JAEGER_WEB_URL || undefined,
  jaegerQueryUrl: config.JAEGER_QUERY_URL,
  deadLetters: kafkaDeadLetterStore(kafka),
  control: createControlGuard({
    allowRemote: config.CONTROL_ALLOW_REMOTE,
    extraHosts: config.CONTROL_HOSTS.split(',').filter(Boolean),
  }),
});

collector.start();
await app.listen({ host: config.HOST, port: config.PORT });
logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'dashboard ready');

handleShutdown(logger, [
  ['http', () => app.close()],
  ['collector', () => collector.stop()],
]);
