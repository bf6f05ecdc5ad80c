import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@akaso/config';
import { dlqTopic, topics } from '@akaso/contracts';
import { produceRaw, stack, testKafka, uniqueUser, withProducer } from '@akaso/testkit';
import { launchBrowser } from '@akaso/testkit/browser';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createCollector } from '../src/collector.ts';
import { createControlGuard } from '../src/control-guard.ts';
import { kafkaDeadLetterStore } from '../src/dlq-routes.ts';

// The order waterfall and the Dead letters panel in a real headless Chromium: a dashboard built
// from this tree (on a free port) against the running stack's Jaeger and cluster, and the
// storefront of the running order-api, whose trace links lead to the waterfall.
const screenshots = join(import.meta.dirname, '..', '..', '..', 'docs', 'workshop', 'img');
let browser: Browser;
let page: Page;
let app: FastifyInstance;
let dashboard: string;

beforeAll(async () => {
  const logger = createLogger('dashboard', 'silent');
  const kafka = testKafka();
  app = await buildApp({
    logger,
    collector: createCollector({
      kafka,
      configuredBrokers: stack.brokers,
      serviceUrls: [],
      pipelineGroups: ['order-status', 'inventory', 'payment', 'email'],
      intervalMs: 1_000,
      logger,
    }),
    readiness: [],
    jaegerQueryUrl: stack.jaeger,
    orderApiUrl: stack.api,
    deadLetters: kafkaDeadLetterStore(kafka),
    control: createControlGuard(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  dashboard = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("an order's trace as a waterfall", () => {
  it("opens from the storefront's trace link and shows the order's spans in every service and Kafka hop", async () => {
    // A customer orders in the storefront (the running order-api)...
    await page.goto(stack.api);
    await page.locator('body[data-ready=true]').waitFor();
    const user = uniqueUser('trace');
    await page.getByTestId('user').fill(user);
    await page.getByTestId('user').press('Tab');
    for (const input of await page.locator('[data-burger]').all()) await input.fill('0');
    await page.locator('[data-burger="classic"]').fill('1');
    await page.getByTestId('order').click();
    const card = page.getByTestId('order-card').first();
    await expect
      .poll(() => card.getByTestId('order-status').textContent(), { timeout: 30_000, interval: 250 })
      .toBe('confirmed');
    // ...and its card links the order's trace to the dashboard's waterfall.
    const href = (await card.getByTestId('trace-link').getAttribute('href')) ?? '';
    const link = new URL(href);
    expect(link.origin).toBe(new URL(stack.dashboard).origin);
    expect(link.pathname).toBe('/trace.html');
    const traceId = link.searchParams.get('trace') ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const orderId = await card.getAttribute('data-order-id');
    const order = (await (await fetch(`${stack.api}/orders/${orderId}`)).json()) as { traceId: string };
    expect(order.traceId).toBe(traceId);

    // The same page, served by this tree's dashboard.
    await page.goto(`${dashboard}${link.pathname}${link.search}`);
    const services = () =>
      page
        .locator('[data-testid=trace-service]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-service')));
    // Spans reach Jaeger in batches, the email's last: the page reads again until they are all in.
    await expect
      .poll(services, { timeout: 30_000, interval: 500 })
      .toEqual(['order-api', 'inventory', 'payment', 'email']);
    const hops = () =>
      page
        .locator('[data-testid=hop]')
        .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-topic')))]);
    await expect
      .poll(hops, { timeout: 15_000 })
      .toEqual(
        expect.arrayContaining([topics.orders, topics.inventory, topics.payments, topics.orderStatus]),
      );
    // One row per span, the request first, each service's rows coloured and indented under their cause.
    const first = page.getByTestId('span').first();
    expect(await first.getAttribute('data-service')).toBe('order-api');
    expect(await first.getAttribute('data-kind')).toBe('server');
    for (const kind of ['producer', 'consumer', 'client']) {
      expect(await page.locator(`[data-testid=span][data-kind=${kind}]`).count()).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('kafka-wait').count()).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('time-axis').textContent()).toMatch(/0\.00 ms.*ms/);
    await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshots, 'trace.png'), fullPage: true });

    // The order id works too: the dashboard asks the order API for its traceId.
    await page.goto(`${dashboard}/trace.html?order=${orderId}`);
    await expect.poll(services, { timeout: 15_000 }).toEqual(['order-api', 'inventory', 'payment', 'email']);
    expect(new URL(page.url()).searchParams.get('trace')).toBe(traceId);
  });

  it('says so when the trace id is not one Jaeger holds', async () => {
    await page.goto(`${dashboard}/trace.html?trace=${'0'.repeat(31)}1`);
    await page.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('trace-error').textContent()).toContain('No trace');
    expect(await page.getByTestId('panel-trace').isHidden()).toBe(true);
  });
});

describe('the Dead letters panel', () => {
  it('lists a poison message with its error, origin and headers; a replay from the page takes it off', async () => {
    await page.goto(dashboard);
    await page.locator('[data-testid=panel-dlq][data-ready=true]').waitFor({ timeout: 30_000 });
    // Broken bytes on order-status: the email service dead-letters them at once (a contract violation).
    const key = `dlq-${randomUUID().slice(0, 8)}`;
    const origin = await withProducer((p) => produceRaw(p, topics.orderStatus, key, `not json ${key}`));
    const block = page.locator(`[data-testid=dlq-topic][data-topic="${topics.orderStatus}"]`);
    const row = block.locator(`[data-testid=dead-letter][data-key="${key}"]`);
    await expect.poll(() => row.count(), { timeout: 30_000, interval: 500 }).toBe(1);
    expect(await row.getByTestId('dead-letter-code').textContent()).toBe('CONTRACT_VIOLATION');
    expect(await row.getByTestId('dead-letter-error').textContent()).toContain('not JSON');
    expect(await row.getByTestId('dead-letter-origin').textContent()).toBe(
      `${topics.orderStatus}[${origin.partition}]@${origin.offset}`,
    );
    const headers = (await row.getByTestId('dead-letter-headers').textContent()) ?? '';
    for (const h of ['dlq-error', 'dlq-origin-topic', 'dlq-consumer-group', 'dlq-attempts'])
      expect(headers).toContain(h);
    const deadAt = (await row.getAttribute('data-offset')) ?? '';
    await page.getByTestId('panel-dlq').screenshot({ path: join(screenshots, 'dead-letters.png') });

    // Replay, as `pnpm dlq replay order-status` does: through the control token the page reads.
    await block.getByTestId('dlq-replay').click();
    await expect
      .poll(() => block.getByTestId('dlq-note').textContent(), { timeout: 60_000, interval: 500 })
      .toMatch(/^replayed [1-9]\d* to order-status/);
    // The replayed record leaves the list. Its bytes are still broken, so the email service
    // dead-letters the replayed copy again: if listed, that copy carries dlq-replayed-at.
    const original = page.locator(
      `[data-testid=dlq-topic][data-topic="${topics.orderStatus}"] [data-testid=dead-letter][data-offset="${deadAt}"]`,
    );
    await expect.poll(() => original.count(), { timeout: 30_000, interval: 500 }).toBe(0);
    for (const copy of await row.all()) {
      expect(await copy.getByTestId('dead-letter-headers').textContent()).toContain('dlq-replayed-at');
    }
    const listed = (await (await fetch(`${dashboard}/api/dlq/${dlqTopic(topics.orderStatus)}`)).json()) as {
      messages: { partition: number; offset: string }[];
    };
    expect(listed.messages.map((m) => `${m.partition}@${m.offset}`)).not.toContain(deadAt);
  });

  it('refuses a replay without the control token, and an unknown topic', async () => {
    const bare = await fetch(`${dashboard}/api/dlq/orders/replay`, { method: 'POST' });
    expect(bare.status).toBe(403);
    const unknown = await fetch(`${dashboard}/api/dlq/menu`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
