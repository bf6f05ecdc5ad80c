export type { FlagName, Flags } from './flags.ts';
export {
  FlagsError,
  FlagsSchema,
  flagsProblems,
  groupDelayFlag,
  groupDelayFlags,
  parseFlags,
  readFlags,
  writeFlags,
} from './flags.ts';
export type { FlagsWatcher, WatchFlagsOptions } from './watch-flags.ts';
export { createFlagsPoller, watchFlags, watchFlagsDefaults } from './watch-flags.ts';
