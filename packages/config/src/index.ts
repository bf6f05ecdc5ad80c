export { ConfigError, env, loadConfig, loadConfigOrExit, parseBrokers } from './config.ts';
export type { KafkaSecurity, KafkaSecuritySettings, ReadFile, SecurityProtocol } from './kafka-security.ts';
export {
  kafkaSecurityConfig,
  kafkaSecurityProblems,
  resolveKafkaSecurity,
  saslMechanisms,
  securityProtocols,
} from './kafka-security.ts';
export type { Logger } from './logger.ts';
export { createLogger } from './logger.ts';
