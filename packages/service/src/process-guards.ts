import type { EventEmitter } from 'node:events';

interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/**
 * A promise rejected with nobody listening would, by Node's default, end the process: every open
 * request, stream and in-flight order of the instance with it, for what is usually one request's
 * failure. This logs it (whole, so it gets fixed) and keeps serving. A synchronous
 * uncaughtException is left to Node: after one, the process state is unknown and dying is right.
 * Returns the function that removes the handler.
 */
export function installProcessGuards(logger: ErrorLogger, proc: EventEmitter = process): () => void {
  let count = 0;
  const onUnhandledRejection = (reason: unknown) => {
    count += 1;
    logger.error({ err: reason, unhandledRejections: count }, 'unhandled promise rejection; still serving');
  };
  proc.on('unhandledRejection', onUnhandledRejection);
  return () => {
    proc.off('unhandledRejection', onUnhandledRejection);
  };
}
