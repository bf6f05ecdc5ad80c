/** The message of whatever was thrown, for the snapshot's `errors` (never a stack trace). */
export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
