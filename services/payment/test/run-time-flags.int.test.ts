import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { type Flags, readFlags, writeFlags } from '@akaso/flags';
import { api, eventually, order, uniqueUser, waitForTerminal } from '@akaso/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagsFile } from '../../../scripts/stack/paths.ts';
import { logFile, runningPid } from '../../../scripts/stack/proc.ts';

// The stack's own payment instance, started with FLAGS_FILE (scripts/stack/services.ts).
const instance = 'payment-1';
let before: Flags | null = null;
let pid: number | null = null;

beforeAll(async () => {
  before = statSync(flagsFile, { throwIfNoEntry: false }) ? await readFlags(flagsFile) : null;
  pid = runningPid(instance);
});

afterAll(async () => {
  // The flags file as the test found it (no file: none).
  if (before) await writeFlags(flagsFile, before);
  else await rm(flagsFile, { force: true });
});

/**
 * Writes the flags and waits until the running instance says it took them (its log line), so
 * every order placed afterwards meets them: no fixed sleep against the poll interval.
 */
async function switchTo(flags: Flags): Promise<void> {
  const log = logFile(instance);
  const from = statSync(log).size;
  await writeFlags(flagsFile, flags);
  await eventually(
    `${instance} to take the flags ${JSON.stringify(flags)}`,
    async () =>
      readFileSync(log)
        .subarray(from)
        .toString('utf8')
        .split('\n')
        .filter((line) => line.includes('run-time flags changed'))
        .some((line) => isDeepStrictEqual((JSON.parse(line) as { flags: Flags }).flags, flags)),
    10_000,
  );
}

/** Places an order and waits for its outcome; the time from received to that outcome, in ms. */
async function placed(prefix: string) {
  const res = await api<{ orderId: string }>('/orders', { method: 'POST', body: order(uniqueUser(prefix)) });
  expect(res.status).toBe(202);
  const view = await waitForTerminal(res.body.orderId, 30_000);
  const history = view.history as unknown as { status: string; at: string }[];
  const at = (status: string) => Date.parse(history.find((h) => h.status === status)?.at ?? '');
  return { ...view, tookMs: at(view.status) - at('received') };
}

describe('the run-time flags of a running payment instance', () => {
  it('declines, slows and switches back as the flags file says, without a restart', async () => {
    expect(pid).not.toBeNull();
    const base = before ?? {};

    // The card provider failing: every new order is declined.
    await switchTo({ ...base, 'payment.declineRate': 1 });
    for (const outcome of await Promise.all([placed('flags-decline'), placed('flags-decline')])) {
      expect(outcome.status).toBe('rejected');
      expect(outcome.reason).toMatch(/declined/);
    }

    // The decline key gone, the card provider slow: confirmed again, no sooner than the latency.
    const latencyMs = 2_500;
    await switchTo({ ...base, 'payment.latencyMs': latencyMs });
    const slow = await placed('flags-slow');
    expect(slow.status).toBe('confirmed');
    expect(slow.tookMs).toBeGreaterThanOrEqual(latencyMs);

    // Both keys gone: the configured card provider (no latency, no declines) is back.
    await switchTo({ ...base });
    const back = await placed('flags-back');
    expect(back.status).toBe('confirmed');
    expect(back.tookMs).toBeLessThan(latencyMs);

    // The same process all along.
    expect(runningPid(instance)).toBe(pid);
  });
});
