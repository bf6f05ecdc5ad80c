export type { HttpTimeouts, ServiceConfig } from './config.ts';
export { databaseTimeouts, flagsConfig, httpTimeoutDefaults, serviceConfig } from './config.ts';
export type { ErrorCode } from './errors.ts';
export { AppError, errorCodes, installErrorHandler } from './errors.ts';
export type { ReadinessCheck, ReadinessReport } from './health.ts';
export type { HttpAppOptions } from './http.ts';
export { createHttpApp } from './http.ts';
export { internalAuthHeaders, internalPrefix, requireInternalToken, tokenMatches } from './internal-auth.ts';
export type { ShutdownStep } from './lifecycle.ts';
export { handleShutdown, migrateDatabase, retryStartup } from './lifecycle.ts';
export type { MessageDelayOptions } from './message-delay.ts';
export { withMessageDelay } from './message-delay.ts';
export type { Metrics } from './metrics.ts';
export { createMetrics } from './metrics.ts';
export { installProcessGuards } from './process-guards.ts';
export type { Runtime, RuntimeConfig } from './runtime.ts';
export { startRuntime } from './runtime.ts';
export type {
  AppBase,
  ConsumerDeclaration,
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceParts,
} from './service.ts';
export { cachedCheck, kafkaCheck, runService } from './service.ts';
