import { describe, expect, it } from 'vitest';
import { CommitPolicyError, commitPolicyFromEnv } from './commit-policy.ts';

describe('commitPolicyFromEnv', () => {
  it('is manual commit unless KAFKA_AUTO_COMMIT is switched on', () => {
    expect(commitPolicyFromEnv({})).toEqual({ autoCommit: false, autoCommitIntervalMs: 5_000 });
    expect(commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: '' }).autoCommit).toBe(false);
    expect(commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: 'false' }).autoCommit).toBe(false);
    expect(commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: 'TRUE' }).autoCommit).toBe(true);
    expect(commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: '1', KAFKA_AUTO_COMMIT_INTERVAL_MS: '250' })).toEqual({
      autoCommit: true,
      autoCommitIntervalMs: 250,
    });
  });
  it('refuses a value it does not understand, naming the variable', () => {
    expect(() => commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: 'yes please' })).toThrow(CommitPolicyError);
    expect(() => commitPolicyFromEnv({ KAFKA_AUTO_COMMIT: 'on' })).toThrow(
      /KAFKA_AUTO_COMMIT must be true or false/,
    );
    expect(() => commitPolicyFromEnv({ KAFKA_AUTO_COMMIT_INTERVAL_MS: '0' })).toThrow(/positive integer/);
    expect(() => commitPolicyFromEnv({ KAFKA_AUTO_COMMIT_INTERVAL_MS: '1.5' })).toThrow(/positive integer/);
  });
});
