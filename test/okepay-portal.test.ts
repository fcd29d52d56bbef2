import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkResponse } from '@handoff/core';
import { startDemo, type Demo } from './demo/demo.ts';
import { artifact, launchChromium } from './support/browser.ts';

/**
 * The first end-to-end path: on the demo host page, the customer clicks "Manage subscription",
 * and a new tab lands on the sandbox OkePay portal, logged in as their own contact.
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

describe('OkePay "Manage subscription" on the demo page', () => {
  it('opens the portal in a new tab, logged in as the signed-in customer’s contact', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(demo.url);
      const button = page.getByRole('button', { name: 'Manage subscription' });
      await button.waitFor();

      const linkResponse = page.waitForResponse((r) => r.url().endsWith('/v1/okepay/login-link'));
      const [portal] = await Promise.all([context.waitForEvent('page'), button.click()]);
      const link = (await (await linkResponse).json()) as LinkResponse;
      expect(link.url.startsWith(`${demo.sandbox.sandbox.baseUrl}/okepay/portal/`)).toBe(true);

      await portal.getByTestId('portal-contact-id').waitFor();
      expect(await portal.getByTestId('portal-contact-id').textContent()).toBe('1001');
      expect(await portal.getByTestId('portal-contact-name').textContent()).toBe('Ada Lovelace');
      expect(await portal.getByTestId('portal-subscriptions').textContent()).toContain('Pro plan');
      // Says it is a sandbox, and is kept for a person to look at.
      expect(await portal.getByTestId('sandbox-label').textContent()).toBe('Sandbox');
      await portal.screenshot({ path: artifact('okepay-portal.png'), fullPage: true });
      // The login token is spent and does not stay in the address bar.
      expect(portal.url()).not.toContain('login-token');
      await expect.poll(() => button.getAttribute('data-state')).toBe('idle');

      // The same link a second time is refused: the token works once.
      const again = await context.newPage();
      const response = await again.goto(link.url);
      expect(response?.status()).toBeGreaterThanOrEqual(400);
      expect(await again.getByTestId('portal-error').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('logs a different signed-in customer into their own contact', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(new URL('/api/sign-in?customer=bruno', demo.url).href);
      await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Bruno Keller');
      const [portal] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Manage subscription' }).click(),
      ]);
      await portal.getByTestId('portal-contact-id').waitFor();
      expect(await portal.getByTestId('portal-contact-id').textContent()).toBe('1002');
    } finally {
      await context.close();
    }
  });

  it('falls back to the same tab when the new tab is blocked', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // A popup blocker: window.open returns null.
      await page.addInitScript(() => {
        window.open = () => null;
      });
      await page.goto(demo.url);
      await page.getByRole('button', { name: 'Manage subscription' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/okepay/portal/'));
      await page.getByTestId('portal-contact-id').waitFor();
      expect(await page.getByTestId('portal-contact-id').textContent()).toBe('1001');
      expect(context.pages()).toHaveLength(1);
    } finally {
      await context.close();
    }
  });
});
