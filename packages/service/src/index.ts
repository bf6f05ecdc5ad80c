export { AppError, errorCodes, installErrorHandler } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { handleShutdown, migrateDatabase, retryStartup } from './lifecycle.ts';
export type { ShutdownStep } from './lifecycle.ts';
