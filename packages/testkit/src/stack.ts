/**
 * The stack's part controls (scripts/stack/control.ts) for integration tests: stop, start, restart
 * or SIGKILL one part of the local stack, as `pnpm stack stop postgres` or `pnpm stack kill
 * payment-1` do. Only for tests that run against the local stack.
 */
export {
  killPart,
  type Part,
  parsePart,
  restartPart,
  startPart,
  stopPart,
} from '../../../scripts/stack/control.ts';
