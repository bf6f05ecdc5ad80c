export { ConfigError, env, loadConfig, loadConfigOrExit, parseBrokers } from './config.ts';
export type { Logger } from './logger.ts';
export { createLogger } from './logger.ts';
