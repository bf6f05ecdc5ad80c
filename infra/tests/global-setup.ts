import { consoleReporter } from '../../scripts/stack/proc.ts';
import { stackStatus, startStack, stopStack } from '../../scripts/stack/stack.ts';

/**
 * Integration tests use the real stack. If it is already running (`pnpm start`), reuse it and
 * leave it running; otherwise start it for this run and stop it afterwards, so a test run leaves
 * no process behind. AKASO_KEEP_STACK=1 keeps a stack the run started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const wasUp = (await stackStatus()).every((row) => row.status === 'up');
  if (!wasUp) await startStack(consoleReporter);
  return async () => {
    if (!wasUp && process.env.AKASO_KEEP_STACK !== '1') await stopStack(consoleReporter);
  };
}
