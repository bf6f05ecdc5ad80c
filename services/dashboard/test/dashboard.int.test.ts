import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Consumer } from '@akaso/kafka';
import { kafka as topology } from '@akaso/stack-client';
import { api, order, stack, testKafka, uniqueUser } from '@akaso/testkit';
import { launchBrowser } from '@akaso/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaHealth, killKafkaNode, startKafkaNode, waitForExit } from '../../../scripts/stack/kafka.ts';
import { silentReporter, waitFor } from '../../../scripts/stack/proc.ts';

// The dashboard in a real headless Chromium, watching the running stack's real cluster.
const screenshots = join(import.meta.dirname, '..', '..', '..', 'docs', 'workshop', 'img');
const pipelineGroups = ['order-status', 'inventory', 'payment', 'email'];
let browser: Browser;
let page: Page;

const numberIn = async (selector: string) =>
  Number(((await page.locator(selector).first().textContent()) ?? '').replace(/[^\d]/g, ''));
const groupAttr = (group: string, attr: string) =>
  page.locator(`[data-testid=group][data-group="${group}"]`).getAttribute(attr);
const brokerState = (id: number) =>
  page.locator(`[data-testid=broker][data-node-id="${id}"]`).getAttribute('data-state');

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(stack.dashboard);
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  // Whatever happened, leave three healthy brokers for the next test file.
  for (const node of topology.nodes) await startKafkaNode(node, silentReporter);
  await waitFor('a healthy cluster', async () => (await kafkaHealth()).healthy, {
    timeoutMs: 120_000,
    intervalMs: 1_000,
  });
});

describe('the pipeline dashboard', () => {
  it('shows the three brokers up and the four consumer groups with their members', async () => {
    await expect.poll(() => page.getByTestId('broker').count()).toBe(3);
    for (const node of topology.nodes) expect(await brokerState(node.id)).toBe('up');
    for (const group of pipelineGroups) {
      await expect.poll(() => groupAttr(group, 'data-members'), { timeout: 30_000 }).not.toBe('0');
      const members = page.locator(`[data-testid=group][data-group="${group}"] [data-testid=member]`);
      expect(await members.first().textContent()).toMatch(/owns .*\[\d/);
    }
    // Every instance's readiness, read from its /readyz: the running stack's four are ready.
    await expect
      .poll(() => page.locator('[data-readiness=ready]').count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-readiness="not ready"]').count()).toBe(0);
    // Every panel the workshop's labs refer to, by its title.
    for (const title of ['Cluster', 'Topics', 'Consumer groups', 'Rebalances', 'Funnel', 'Outbox & DLQ']) {
      await expect.poll(() => page.getByRole('heading', { name: title, exact: true }).count()).toBe(1);
    }
  });

  it('counts a burst of orders into the topics and the funnel, and the lag returns to zero', async () => {
    const burst = 30;
    const ordersBefore = await numberIn('[data-topic="orders"] td.num');
    const placedBefore = await numberIn('[data-stage="placed"] strong');
    const emailedBefore = await numberIn('[data-stage="emailed"] strong');
    const answers = await Promise.all(
      Array.from({ length: burst }, () =>
        api('/orders', { method: 'POST', body: order(uniqueUser('dash')) }),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);

    await expect
      .poll(() => numberIn('[data-topic="orders"] td.num'), { timeout: 60_000, interval: 500 })
      .toBeGreaterThanOrEqual(ordersBefore + burst);
    await expect
      .poll(() => numberIn('[data-stage="placed"] strong'), { timeout: 30_000, interval: 500 })
      .toBeGreaterThanOrEqual(placedBefore + burst);
    // Every group has handled everything written so far, the burst included.
    await expect
      .poll(async () => Promise.all(pipelineGroups.map((g) => groupAttr(g, 'data-lag'))), {
        timeout: 90_000,
        interval: 500,
      })
      .toEqual(pipelineGroups.map(() => '0'));
    // Each of them confirmed, each with its confirmation email.
    await expect
      .poll(() => numberIn('[data-stage="emailed"] strong'), { timeout: 60_000, interval: 500 })
      .toBeGreaterThanOrEqual(emailedBefore + burst);
    await expect
      .poll(() => numberIn('[data-stage="confirmed"] strong'), { timeout: 30_000 })
      .toBeGreaterThan(0);
  });

  it('shows a rebalance when a second consumer joins a group', async () => {
    const groupId = `dashboard-test-${uniqueUser('g')}`;
    const consumers: Consumer[] = [];
    const addConsumer = async () => {
      const consumer = testKafka().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders.dlq' });
      await consumer.run({ eachMessage: async () => {} });
    };
    try {
      await addConsumer();
      await expect
        .poll(() => groupAttr(groupId, 'data-members'), { timeout: 60_000, interval: 500 })
        .toBe('1');
      await addConsumer();
      await expect
        .poll(() => groupAttr(groupId, 'data-members'), { timeout: 60_000, interval: 500 })
        .toBe('2');
      await expect
        .poll(
          () =>
            page
              .getByTestId('rebalance')
              .filter({ hasText: `${groupId}: 1 → 2 members` })
              .count(),
          {
            timeout: 30_000,
            interval: 500,
          },
        )
        .toBeGreaterThan(0);
    } finally {
      for (const c of consumers) await c.disconnect();
    }
    // With no members left the group leaves the panel; the Rebalances panel keeps its history.
    await expect
      .poll(() => page.locator(`[data-testid=group][data-group="${groupId}"]`).count(), { timeout: 60_000 })
      .toBe(0);
    // After a burst and a rebalance, on a healthy cluster: the documentation's screenshot.
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });
  });

  it('shows a killed broker as down, then back up with every partition fully replicated', async () => {
    const victim = 2;
    const pid = killKafkaNode(victim);
    try {
      await waitForExit(pid);
      await expect.poll(() => brokerState(victim), { timeout: 90_000, interval: 500 }).toBe('down');
      // Its partitions lost a replica: the cluster summary says so.
      await expect
        .poll(
          async () =>
            Number(await page.locator('[data-under-replicated]').getAttribute('data-under-replicated')),
          { timeout: 60_000, interval: 500 },
        )
        .toBeGreaterThan(0);
    } finally {
      const node = topology.nodes.find((n) => n.id === victim);
      if (node) await startKafkaNode(node, silentReporter);
    }
    await expect.poll(() => brokerState(victim), { timeout: 120_000, interval: 1_000 }).toBe('up');
    await expect
      .poll(() => page.locator('[data-under-replicated]').getAttribute('data-under-replicated'), {
        timeout: 120_000,
        interval: 1_000,
      })
      .toBe('0');
    await waitFor('a healthy cluster', async () => (await kafkaHealth()).healthy, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
    });
  });
});
