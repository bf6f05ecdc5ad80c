import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { AppError } from '@akaso/service';
import { launchBrowser } from '@akaso/testkit/browser';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEnv } from '../../../scripts/stack/services.ts';
import { buildApp } from '../src/app.ts';
import { loadDashboardConfig } from '../src/config.ts';
import { type RushRunner, rushRunnerFromConfig } from '../src/rush-runner.ts';

// A rush started from the page, in a real headless Chromium: this file's own dashboard instance
// (the rush routes, configured as the local stack configures the dashboard) drives the running
// stack's order API, and the audit reads the run back from its databases, Mailpit, the cluster
// and the charge counter.
const screenshots = join(import.meta.dirname, '..', '..', '..', 'docs', 'workshop', 'img');
let app: FastifyInstance;
let runner: RushRunner;
let browser: Browser;
let page: Page;

const figure = async (key: string) =>
  Number(((await page.locator(`[data-figure="${key}"] strong`).textContent()) ?? '').replace(/[^\d.]/g, ''));
const panelState = () => page.getByTestId('panel-rush').getAttribute('data-state');

beforeAll(async () => {
  const config = loadDashboardConfig({ ...serviceEnv('dashboard', 1), PORT: '0', LOG_LEVEL: 'warn' });
  const logger = createLogger('dashboard', config.LOG_LEVEL);
  runner = rushRunnerFromConfig(config, logger);
  app = await buildApp({
    logger,
    // Only the rush panel is under test here: the other panels' snapshot is not served.
    collector: {
      snapshot: () => Promise.reject(new AppError('NOT_READY', 'no snapshot in the rush test')),
    },
    readiness: [],
    rush: runner,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // localhost, as a participant opens it: the control guard answers under localhost only.
  await page.goto(`http://localhost:${(app.server.address() as AddressInfo).port}/`);
  // rush.js has read GET /api/rush once.
  await page.getByTestId('rush-state').getByText('No rush yet.').waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  await browser?.close();
  await runner?.settled();
  await app?.close();
});

async function startFromThePage(rate: number, durationS: number, users: number) {
  await page.locator('#rush-rate').fill(String(rate));
  await page.locator('#rush-duration').fill(String(durationS));
  await page.locator('#rush-users').fill(String(users));
  await page.getByTestId('rush-start').click();
  await expect.poll(panelState, { timeout: 5_000 }).toBe('running');
}

describe('the rush panel', () => {
  it('runs a rush started from the page, shows its progress live, and ends with the audit passed', async () => {
    await startFromThePage(20, 10, 2000);
    // Live: figures grow while it runs, the stop button is on, start is off.
    await expect.poll(() => figure('placed'), { timeout: 10_000, interval: 250 }).toBeGreaterThan(0);
    expect(await page.getByTestId('rush-stop').isEnabled()).toBe(true);
    expect(await page.getByTestId('rush-start').isEnabled()).toBe(false);
    expect(await page.getByTestId('rush-state').textContent()).toMatch(/^Running: 20 orders\/s for 10 s/);

    await expect.poll(panelState, { timeout: 75_000, interval: 500 }).toBe('done');
    const verdict = page.getByTestId('rush-verdict');
    expect(await verdict.getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('rush-headline').textContent()).toBe(
      'PASS: audit passed: nothing lost, nothing doubled, no user above the limit',
    );
    // Every check the audit made, each with its outcome: the local stack counts the charges too.
    for (const check of ['drained', 'payments', 'provider', 'emails', 'quota'])
      expect(await verdict.locator(`[data-check="${check}"]`).getAttribute('data-outcome'), check).toBe(
        'pass',
      );
    // A flat 20/s for 10 s offers 200 orders; each was answered (accepted or refused by the rule).
    expect(await figure('placed')).toBe(200);
    expect((await figure('accepted')) + (await figure('refused'))).toBe(200);
    expect(await figure('failed')).toBe(0);
    expect(await page.getByTestId('rush-start').isEnabled()).toBe(true);

    mkdirSync(screenshots, { recursive: true });
    await page.getByTestId('panel-rush').screenshot({ path: join(screenshots, 'rush.png') });
  });

  it('stops a rush from the page: no more orders after the stop, and the orders placed are audited', async () => {
    await startFromThePage(20, 600, 2000);
    await expect.poll(() => figure('placed'), { timeout: 10_000, interval: 250 }).toBeGreaterThanOrEqual(20);
    await page.getByTestId('rush-stop').click();
    await expect.poll(panelState, { timeout: 5_000 }).not.toBe('running');

    await expect.poll(panelState, { timeout: 60_000, interval: 500 }).toBe('done');
    const placed = await figure('placed');
    expect(placed).toBeGreaterThanOrEqual(20);
    expect(placed).toBeLessThan(600 * 20);
    expect(await page.getByTestId('rush-verdict').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('rush-verdict').textContent()).toMatch(/stopped early/);
    // The audit judged exactly what was placed: accepted orders are the audit's orders.
    const view = runner.view();
    expect(view.stopped).toBe(true);
    expect(view.verdict?.checks.find((c) => c.id === 'drained')?.figures).toMatch(
      new RegExp(`^${view.progress.accepted} accepted:`),
    );
  });
});
