import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type Demo } from './demo/demo.ts';
import { launchChromium } from './support/browser.ts';

/**
 * End to end in Chromium: a new customer signs up in the demo host app and subscribes at OkePay
 * and 2Checkout in the sandbox; the sandbox's webhooks reach the backend; the host app passes
 * only the customer's id and verified email, and the buttons open the customer's own portal and
 * each of their subscriptions.
 */
let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo({ port: 0, logLevel: 'silent' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

it('a customer bound by verified email reaches their OkePay portal and each 2Checkout subscription', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(demo.url);
    await page.getByRole('button', { name: 'Sign up as a new customer' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toMatch(/^New customer \d+$/);

    const manage = page.getByRole('button', { name: 'Manage subscription' });
    await manage.waitFor();
    const [portal] = await Promise.all([context.waitForEvent('page'), manage.click()]);
    await portal.getByTestId('portal-contact-name').waitFor();
    expect(await portal.getByTestId('portal-contact-name').textContent()).toBe('New Customer');
    expect(Number(await portal.getByTestId('portal-contact-id').textContent())).toBeGreaterThan(1003);

    const rows = page.locator('[data-testid^="subscription-SUB-"]');
    await expect.poll(() => rows.count()).toBe(2);
    const references = await rows.locator('code').allTextContents();
    for (const reference of references) {
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: `Manage ${reference}` }).click(),
      ]);
      await tab.getByTestId('myaccount-subscription').waitFor();
      expect(await tab.getByTestId('myaccount-subscription').textContent()).toBe(reference);
      await tab.close();
    }
  } finally {
    await context.close();
  }
});
