export type { ErrorCode } from './errors.ts';
export { AppError, errorCodes, installErrorHandler } from './errors.ts';
export type { ReadinessCheck } from './health.ts';
export type { HttpAppOptions } from './http.ts';
export { createHttpApp } from './http.ts';
export type { ShutdownStep } from './lifecycle.ts';
export { handleShutdown, migrateDatabase, retryStartup } from './lifecycle.ts';
