export { ConfigError, env, loadConfig, parseBrokers } from './config.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
