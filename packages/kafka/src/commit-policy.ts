/**
 * How a consumer commits its offsets. The project's policy is manual: commit after the handler
 * succeeded (at-least-once). `KAFKA_AUTO_COMMIT=true` switches a consumer to the auto-commit
 * pitfall for the workshop (lab 4) and nothing else: the committed position is what was fetched,
 * on a timer, whether or not it was processed — a crash then loses messages, or repeats them.
 */
export interface CommitPolicy {
  autoCommit: boolean;
  /** Auto-commit only: how often the fetched position is committed (the Java client's default, 5 s). */
  autoCommitIntervalMs: number;
}

export const commitPolicyDefaults = {
  autoCommit: false,
  autoCommitIntervalMs: 5_000,
} as const satisfies CommitPolicy;

export class CommitPolicyError extends Error {
  readonly code = 'INVALID_COMMIT_POLICY';
  constructor(message: string) {
    super(message);
    this.name = 'CommitPolicyError';
  }
}

/** Reads KAFKA_AUTO_COMMIT (true|false, default false) and KAFKA_AUTO_COMMIT_INTERVAL_MS. */
export function commitPolicyFromEnv(env: Record<string, string | undefined>): CommitPolicy {
  const raw = env.KAFKA_AUTO_COMMIT?.trim().toLowerCase();
  if (raw !== undefined && raw !== '' && !['true', 'false', '1', '0'].includes(raw)) {
    throw new CommitPolicyError(`KAFKA_AUTO_COMMIT must be true or false, got "${env.KAFKA_AUTO_COMMIT}"`);
  }
  const interval = env.KAFKA_AUTO_COMMIT_INTERVAL_MS?.trim();
  const ms = interval ? Number(interval) : commitPolicyDefaults.autoCommitIntervalMs;
  if (!Number.isInteger(ms) || ms < 1) {
    throw new CommitPolicyError(
      `KAFKA_AUTO_COMMIT_INTERVAL_MS must be a positive integer (ms), got "${env.KAFKA_AUTO_COMMIT_INTERVAL_MS}"`,
    );
  }
  return { autoCommit: raw === 'true' || raw === '1', autoCommitIntervalMs: ms };
}
