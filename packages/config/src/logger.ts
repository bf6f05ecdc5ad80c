import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs on stdout (one line each), named by service and instance. */
export function createLogger(service: string, level = 'info', extra: Record<string, unknown> = {}): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid, ...extra } });
}
