import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { readFlags } from '@akaso/flags';
import { createKafka } from '@akaso/kafka';
import { kafka as topology } from '@akaso/stack-client';
import { api, order, stack, uniqueUser, waitForTerminal } from '@akaso/testkit';
import { launchBrowser } from '@akaso/testkit/browser';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePart } from '../../../scripts/stack/control.ts';
import { kafkaHealth, startKafkaNode } from '../../../scripts/stack/kafka.ts';
import { flagsFile, repoRoot } from '../../../scripts/stack/paths.ts';
import { silentReporter, waitFor } from '../../../scripts/stack/proc.ts';
import { dashboardTargets } from '../../../scripts/stack/services.ts';
import { buildApp } from '../src/app.ts';
import { createCollector } from '../src/collector.ts';
import { faultCatalogue } from '../src/fault-catalogue.ts';
import { createFaultPanel, type FaultPanel } from '../src/fault-panel.ts';

// The fault panel in a real headless Chromium, on a dashboard of its own (this process, another
// port) with STACK_CONTROL=local: its faults switch the running stack's real parts and flags.
const screenshots = join(import.meta.dirname, '..', '..', '..', 'docs', 'workshop', 'img');
const port = 3491;
const logger = createLogger('dashboard', 'silent');
const kafka = createKafka({
  clientId: 'faults-test-dashboard',
  brokers: stack.brokers,
  logLevel: 'nothing',
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 5_000,
});
const collector = createCollector({
  kafka,
  configuredBrokers: stack.brokers,
  serviceUrls: dashboardTargets().split(','),
  pipelineGroups: ['order-status', 'inventory', 'payment', 'email'],
  intervalMs: 1_000,
  logger,
});
let faults: FaultPanel;
let app: FastifyInstance;
let browser: Browser;
let page: Page;

const card = (id: string) => page.locator(`[data-testid=fault][data-fault-id="${id}"]`);
const brokerState = (id: number) =>
  page.locator(`[data-testid=broker][data-node-id="${id}"]`).getAttribute('data-state');

/** Switches a fault on from its card: the variant, the duration, the Start button. */
async function startFromPanel(id: string, variant: string, durationS: number) {
  await card(id).getByTestId('fault-variant').selectOption(variant);
  await card(id).getByTestId('fault-duration').fill(String(durationS));
  await card(id).getByTestId('fault-start').click();
  await expect.poll(() => card(id).getAttribute('data-state'), { timeout: 10_000 }).toMatch(/starting|on/);
}

beforeAll(async () => {
  faults = createFaultPanel(
    { STACK_CONTROL: 'local', STACK_ROOT: repoRoot, FLAGS_FILE: flagsFile },
    { kafka, nodePath: process.execPath },
  );
  app = await buildApp({ logger, collector, readiness: [], faults });
  collector.start();
  await app.listen({ host: '127.0.0.1', port });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  // Every fault's card, once GET /api/faults has answered.
  await page
    .getByTestId('fault')
    .nth(faultCatalogue.length - 1)
    .waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  // Whatever failed: every fault back (the panel's own shutdown), three brokers up, no flag left.
  await faults?.scheduler.stopAll();
  await browser?.close();
  await app?.close();
  await collector.stop();
  for (const node of topology.nodes) await startKafkaNode(node, silentReporter);
  await waitFor('a healthy cluster', async () => (await kafkaHealth()).healthy, {
    timeoutMs: 60_000,
    intervalMs: 1_000,
  });
});

describe('the fault panel', () => {
  it('names only parts the local stack knows in its part commands', () => {
    for (const fault of faultCatalogue)
      for (const v of fault.variants)
        for (const step of [...v.on, ...v.off])
          if (step.kind === 'stack') expect(() => parsePart(step.part)).not.toThrow();
  });

  it('fails the card provider for 10 s: orders meanwhile are rejected, then it switches back by itself', async () => {
    await startFromPanel('card-provider-failing', '100pct', 10);
    await expect.poll(() => card('card-provider-failing').getAttribute('data-state')).toBe('on');
    expect(await readFlags(flagsFile)).toMatchObject({ 'payment.declineRate': 1 });
    await expect
      .poll(() => card('card-provider-failing').getByTestId('fault-countdown').textContent())
      .toMatch(/switches back in \d+ s/);

    // The payment service polls the flags file (every 500 ms): from its next read on, orders are declined.
    const placeAndSettle = async () => {
      const placed = await api<{ orderId: string }>('/orders', {
        method: 'POST',
        body: order(uniqueUser('fault')),
      });
      expect(placed.status).toBe(202);
      return waitForTerminal(placed.body.orderId, 20_000);
    };
    await expect
      .poll(placeAndSettle, { timeout: 8_000, interval: 200 })
      .toMatchObject({ status: 'rejected' });
    const next = await placeAndSettle();
    expect(next).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/payment|declin|card/i) });

    // The countdown ends, the panel switches it back: the flag is gone, the card says so.
    await expect
      .poll(() => card('card-provider-failing').getAttribute('data-state'), {
        timeout: 20_000,
        interval: 250,
      })
      .toBe('off');
    expect(await card('card-provider-failing').getByTestId('fault-status').getAttribute('data-outcome')).toBe(
      'ended',
    );
    expect(await readFlags(flagsFile)).not.toHaveProperty('payment.declineRate');
    // Its start and end on the funnel chart.
    expect(
      await page.locator('[data-testid=fault-mark][data-fault-id="card-provider-failing"]').count(),
    ).toBe(1);

    // The services read the file at their next poll: orders confirm again.
    await expect
      .poll(async () => (await placeAndSettle()).status, { timeout: 20_000, interval: 200 })
      .toBe('confirmed');
  });

  it('produces a poison message: it lands in the topic’s DLQ, and the fault is over at once', async () => {
    const dlqCount = async () =>
      Number(
        ((await page.locator('[data-dlq="orders.dlq"] td.num').textContent()) ?? '').replace(/[^\d]/g, ''),
      );
    await expect.poll(dlqCount, { timeout: 10_000 }).toBeGreaterThanOrEqual(0);
    const before = await dlqCount();
    await card('poison').getByTestId('fault-variant').selectOption('orders');
    await card('poison').getByTestId('fault-start').click();
    await expect
      .poll(() => card('poison').getByTestId('fault-status').getAttribute('data-outcome'), {
        timeout: 10_000,
      })
      .toBe('done');
    expect(await card('poison').getByTestId('fault-log').textContent()).toMatch(
      /written to orders partition \d+/,
    );
    // inventory, the one group reading orders, dead-letters it and goes on.
    await expect.poll(dlqCount, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(before + 1);
  });

  it('kills a broker for 15 s: the Cluster panel shows it down, then back up by itself', async () => {
    const victim = 2;
    await startFromPanel('broker-down', `kafka-${victim}`, 15);
    await expect.poll(() => brokerState(victim), { timeout: 30_000, interval: 500 }).toBe('down');
    await expect.poll(() => card('broker-down').getAttribute('data-state')).toBe('on');
    // The documentation's picture: the panel with a broker down and its countdown running.
    mkdirSync(screenshots, { recursive: true });
    await page.locator('#panel-faults').screenshot({ path: join(screenshots, 'faults.png') });
    expect(await card('broker-down').getByTestId('fault-log').textContent()).toMatch(
      /pnpm stack kill kafka-2[\s\S]*SIGKILL/,
    );

    await expect
      .poll(() => card('broker-down').getAttribute('data-state'), { timeout: 60_000, interval: 500 })
      .toBe('off');
    expect(await card('broker-down').getByTestId('fault-status').getAttribute('data-outcome')).toBe('ended');
    await expect.poll(() => brokerState(victim), { timeout: 30_000, interval: 500 }).toBe('up');
  });
});
