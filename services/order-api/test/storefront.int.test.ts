import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { api, stack, uniqueUser } from '@akaso/testkit';
import { launchBrowser } from '@akaso/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The storefront in a real headless Chromium against the running stack: the page uses the
// public API (menu, orders, SSE, quota) exactly as a customer's browser would.
const screenshots = join(import.meta.dirname, '..', '..', '..', 'docs', 'workshop', 'img');
let browser: Browser;
let page: Page;

async function openAs(userId: string) {
  await page.goto(stack.api);
  await page.locator('body[data-ready=true]').waitFor();
  await page.getByTestId('user').fill(userId);
  await page.getByTestId('user').press('Tab'); // "change": the page reloads the user's quota
  await expect.poll(() => page.getByTestId('email').inputValue()).toBe(`${userId}@example.com`);
}

async function order(burgers: Record<string, number>) {
  for (const input of await page.locator('[data-burger]').all()) await input.fill('0');
  for (const [id, qty] of Object.entries(burgers))
    await page.locator(`[data-burger="${id}"]`).fill(String(qty));
  await page.getByTestId('order').click();
}

const statusOfNewest = () => page.getByTestId('order-card').first().getByTestId('order-status');

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
});

describe('the storefront', () => {
  it('shows the sale menu with discounted prices', async () => {
    const menu = (await api<{ id: string; salePriceCents: number }[]>('/menu')).body;
    await openAs(uniqueUser('shop'));
    await expect.poll(() => page.locator('[data-burger]').count()).toBe(menu.length);
    const classic = page.locator('.burger', { has: page.locator('[data-burger="classic"]') });
    await expect
      .poll(() => classic.locator('strong').textContent())
      .toContain(((menu.find((b) => b.id === 'classic')?.salePriceCents ?? 0) / 100).toFixed(2));
  });

  it('places an order, says "received" at once and follows it live to "confirmed"', async () => {
    const user = uniqueUser('shop');
    await openAs(user);
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toBe('5');
    // Records every status the page displays, to check the first one is the API's answer.
    // (a string: the tests' TypeScript has no DOM types)
    await page.evaluate(`(() => {
      const seen = (window.statuses = []);
      const orders = document.getElementById('orders');
      new MutationObserver(() => {
        const text = orders.querySelector('[data-testid=order-status]')?.textContent ?? '';
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(orders, { childList: true, subtree: true, characterData: true });
    })()`);
    await order({ classic: 2 });
    // The answer's status comes first; the SSE stream then moves it on.
    await expect.poll(() => page.getByTestId('order-card').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('time-async').textContent()).toMatch(/^\d+ ms$/);
    await expect
      .poll(() => statusOfNewest().textContent(), { timeout: 60_000, interval: 250 })
      .toBe('confirmed');
    const steps = await page.getByTestId('order-card').first().getByTestId('steps').textContent();
    // "reserved" may be skipped: inventory and payments are different topics, and a payment
    // handled before its StockReserved moves the order straight on (docs/architecture.md).
    expect(steps).toMatch(/^.*received.*confirmed$/);
    const shown = (await page.evaluate('window.statuses')) as string[];
    expect(shown[0]).toBe('received');
    expect(shown.at(-1)).toBe('confirmed');
    await expect.poll(() => page.getByTestId('quota-remaining').textContent(), { timeout: 15_000 }).toBe('3');
    // The API agrees with what the page shows.
    const quota = await api<{ remaining: number }>(`/users/${user}/quota`);
    expect(quota.body.remaining).toBe(3);
  });

  it('places the same order in sync mode and shows both answer times', async () => {
    await page.getByTestId('sync').check();
    await order({ veggie: 1 });
    await expect
      .poll(() => page.getByTestId('time-sync').textContent(), { timeout: 60_000 })
      .toMatch(/^\d+ ms$/);
    await expect.poll(() => statusOfNewest().textContent(), { timeout: 30_000 }).toBe('confirmed');
    expect(await page.getByTestId('order-card').first().locator('.mode').textContent()).toBe('sync');
    await page.getByTestId('sync').uncheck();
    // Two confirmed orders on the page, the quota as it stands: the documentation's screenshot.
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'storefront.png'), fullPage: true });
  });

  it('shows the quota message with what remains and when it frees up', async () => {
    // 2 + 1 already ordered: 3 more would make 6 > 5.
    await order({ bacon: 3 });
    const error = page.getByTestId('error');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await error.textContent()).toContain('QUOTA_EXCEEDED');
    const detail = await page.getByTestId('quota-error').textContent();
    expect(detail).toContain('You can still order 2 burger(s) now');
    expect(detail).toMatch(/more free up/);
    expect(await page.getByTestId('order-card').count()).toBe(2); // nothing new was placed
  });

  it('follows a declined card to "rejected" with the reason', async () => {
    await openAs(uniqueUser('shop'));
    await page.getByTestId('payment').selectOption('pm_card_chargeDeclined');
    await order({ cheese: 1 });
    await expect
      .poll(() => statusOfNewest().textContent(), { timeout: 60_000, interval: 250 })
      .toMatch(/^rejected: .*declined/i);
    await page.getByTestId('payment').selectOption('pm_card_visa');
  });

  it('shows a validation error (400) with its code', async () => {
    await page.getByTestId('email').fill('not-an-email');
    await order({ classic: 1 });
    await expect
      .poll(() => page.getByTestId('error').textContent(), { timeout: 30_000 })
      .toContain('VALIDATION_ERROR');
  });

  it('links to the Mailpit inbox', async () => {
    const href = await page.getByTestId('mail-link').getAttribute('href');
    expect(href).toMatch(/^https?:\/\//);
    const res = await fetch(`${href}/api/v1/info`);
    expect(res.ok).toBe(true);
  });

  it('keeps one Idempotency-Key per order attempt: a retry after a lost answer is placed once', async () => {
    const user = uniqueUser('shop');
    await openAs(user);
    const keys: string[] = [];
    let lose = true;
    const isOrder = (url: URL) => url.pathname === '/orders';
    await page.route(isOrder, async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      // The first answer is lost on its way back: the order is placed, the page never hears of it.
      const response = await route.fetch();
      if (lose) {
        lose = false;
        await route.abort('connectionreset');
      } else {
        await route.fulfill({ response });
      }
    });
    try {
      await order({ classic: 1 });
      await expect
        .poll(() => page.getByTestId('error').textContent(), { timeout: 30_000 })
        .toContain('NETWORK');
      await page.getByTestId('order').click(); // the customer tries the same order again
      await expect.poll(() => page.getByTestId('order-card').count(), { timeout: 30_000 }).toBe(1);
      await order({ classic: 1 }); // answered: the same burgers again are a new order
      await expect.poll(() => page.getByTestId('order-card').count(), { timeout: 30_000 }).toBe(2);
    } finally {
      await page.unroute(isOrder);
    }
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[1]);
    // Two orders of one burger, not three: the retry was answered with the lost answer's order.
    expect((await api<{ remaining: number }>(`/users/${user}/quota`)).body.remaining).toBe(3);
  });
});
