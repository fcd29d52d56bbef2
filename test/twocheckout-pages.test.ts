import { request } from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWOCHECKOUT_ACCESS_PAGES, type LinkResponse } from '@handoff/core';
import { startDemo, type Demo } from './demo/demo.ts';
import { artifact, launchChromium } from './support/browser.ts';

/**
 * 2Checkout single sign-on on the demo (links bound to the caller's IP): every access page lands
 * on its myAccount page as the right customer, a link works once, and a link bound to another IP
 * does not work from this browser.
 */
let demo: Demo;
let browser: Browser;
let context: BrowserContext;
let customerToken: string;

beforeAll(async () => {
  demo = await startDemo({ port: 0, logLevel: 'silent' });
  browser = await launchChromium();
  context = await browser.newContext();
  ({ token: customerToken } = await demo.store.customerSessions.create({
    accountId: 'default',
    customer: { id: 'demo-customer', email: 'ada@example.com', twocheckoutSubscriptions: ['SUB-DEMO-1'] },
    expiresAt: new Date(Date.now() + 600_000),
  }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await demo?.close();
});

/** Asks the backend for a link from a chosen local address (the backend binds the link to it). */
function sso(body: object, localAddress = '127.0.0.1'): Promise<{ status: number; body: LinkResponse }> {
  const url = new URL('/v1/2checkout/sso', demo.backendUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${customerToken}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as LinkResponse }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('2Checkout myAccount single sign-on', () => {
  it.each([...TWOCHECKOUT_ACCESS_PAGES, undefined].map((p) => [p ?? 'home (no access page)', p] as const))(
    '%s lands on its page as the customer',
    async (_name, accessPage) => {
      const link = await sso({ subscriptionReference: 'SUB-DEMO-1', ...(accessPage ? { accessPage } : {}) });
      expect(link.status).toBe(200);
      const page = await context.newPage();
      try {
        await page.goto(link.body.url);
        await page.getByTestId('myaccount-page').waitFor();
        expect(await page.getByTestId('myaccount-page').textContent()).toBe(accessPage ?? 'home');
        expect(await page.getByTestId('myaccount-customer-email').textContent()).toBe('ada@example.com');
        expect(await page.getByTestId('sandbox-label').textContent()).toBe('Sandbox');
        await page.screenshot({ path: artifact(`twocheckout-${accessPage ?? 'home'}.png`), fullPage: true });

        // Once only.
        const again = await context.newPage();
        const response = await again.goto(link.body.url);
        expect(response?.status()).toBeGreaterThanOrEqual(400);
        await again.getByTestId('myaccount-error').waitFor();
        await again.close();
      } finally {
        await page.close();
      }
    },
  );

  it('refuses a link bound to another IP address', async () => {
    // Asked from 127.0.0.2, so bound to it; the browser connects from 127.0.0.1.
    const link = await sso({ subscriptionReference: 'SUB-DEMO-1', accessPage: 'change_card' }, '127.0.0.2');
    expect(link.status).toBe(200);
    const page = await context.newPage();
    try {
      const response = await page.goto(link.body.url);
      expect(response?.status()).toBeGreaterThanOrEqual(400);
      await page.getByTestId('myaccount-error').waitFor();
      expect(await page.getByTestId('myaccount-customer-email').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('opens "Update card" from the demo page in a new tab', async () => {
    const page = await context.newPage();
    await page.goto(demo.url);
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Update card SUB-DEMO-2' }).click(),
    ]);
    await tab.getByTestId('myaccount-page').waitFor();
    expect(await tab.getByTestId('myaccount-page').textContent()).toBe('change_card');
    expect(await tab.getByTestId('myaccount-subscription').textContent()).toBe('SUB-DEMO-2');
    await tab.close();
    await page.close();
  });
});
