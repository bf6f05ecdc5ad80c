import { consoleReporter } from '../../scripts/stack/proc.ts';
import { stackStatus, startStack, stopStack } from '../../scripts/stack/stack.ts';

/**
 * Integration tests use the real stack: three brokers, PostgreSQL, stripe-mock, Mailpit and the
 * four services. Whatever is already running and healthy (`pnpm start`) is reused and left
 * running; if the infrastructure was down, this run starts everything and stops it afterwards,
 * so a test run leaves no process behind. AKASO_KEEP_STACK=1 keeps a stack the run started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // 'not ready' counts as running: a service waiting for a dependency is the user's stack, not ours to stop.
  const infraWasUp = (await stackStatus()).every((row) => row.status !== 'down');
  await startStack(consoleReporter);
  return async () => {
    if (!infraWasUp && process.env.AKASO_KEEP_STACK !== '1') await stopStack(consoleReporter);
  };
}
