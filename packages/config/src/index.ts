export { ConfigError, env, loadConfig, parseBrokers } from './config.ts';
export type { Logger } from './logger.ts';
export { createLogger } from './logger.ts';
