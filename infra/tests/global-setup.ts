import { consoleReporter } from '../../scripts/stack/proc.ts';
import { stackStatus, startStack, stopStack } from '../../scripts/stack/stack.ts';

/**
 * Integration tests use the real stack: three brokers, PostgreSQL, stripe-mock, Mailpit and the
 * four services. Whatever is already running and healthy (`pnpm start`) is reused and left
 * running; if nothing was running, this run starts everything and stops it afterwards, so a test
 * run leaves no process behind. A stack with one part down (a broker a lab killed, a service
 * restarting) is still the user's: it is completed and left running. AKASO_KEEP_STACK=1 keeps a
 * stack the run started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Any part up, even 'not ready' (a service waiting for a dependency), means the user's stack.
  const usersStack = (await stackStatus()).some((row) => row.status !== 'down');
  await startStack(consoleReporter);
  return async () => {
    if (!usersStack && process.env.AKASO_KEEP_STACK !== '1') await stopStack(consoleReporter);
  };
}
