export { AppError, errorCodes, installErrorHandler } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export type { ReadinessCheck } from './health.ts';
export { createHttpApp } from './http.ts';
export type { HttpAppOptions } from './http.ts';
export { handleShutdown, migrateDatabase, retryStartup } from './lifecycle.ts';
export type { ShutdownStep } from './lifecycle.ts';
