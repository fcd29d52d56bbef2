import { createAdaptorServer } from '@hono/node-server';
import react from '@vitejs/plugin-react';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkResponse } from '@handoff/core';
import { TWOCHECKOUT_DEMO } from '@handoff/sandbox';
import { startSandboxServer, type SandboxServer } from '@handoff/sandbox/node';
import { createHandoff, loadConfig } from '@handoff/server';
import { silentLogger } from '../server/src/logger.ts';
import { openStore, type SqlStore } from '../server/src/store/index.ts';
import { sourceAliases } from '../vite.config.ts';
import { launchChromium } from './support/browser.ts';

/**
 * 2Checkout single sign-on end to end: a React page in Chromium clicks <ManageSubscriptionButton>,
 * the backend logs in to the sandbox's JSON-RPC API and asks for a single sign-on URL bound to the
 * browser's IP, and the new tab lands in myAccount, signed in as the customer.
 */

let sandbox: SandboxServer;
let vite: ViteDevServer;
let backend: Server;
let store: SqlStore;
let browser: Browser;
let pageUrl: string;

function listen(server: Server): Promise<string> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  sandbox = await startSandboxServer({ port: 0, host: '127.0.0.1' });

  vite = await createServer({
    configFile: false,
    root: resolve(import.meta.dirname, 'fixtures/twocheckout-sso'),
    cacheDir: join(tmpdir(), 'handoff-vite-twocheckout-sso'),
    logLevel: 'silent',
    plugins: [react()],
    resolve: { alias: sourceAliases },
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await vite.listen();
  const viteOrigin = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`;

  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const config = loadConfig({
    HANDOFF_2CO_MERCHANT_CODE: TWOCHECKOUT_DEMO.merchantCode,
    HANDOFF_2CO_SECRET_KEY: TWOCHECKOUT_DEMO.secretKey,
    HANDOFF_2CO_API_URL: sandbox.sandbox.urls.twocheckoutApiUrl,
    HANDOFF_2CO_BIND_IP: 'true',
    HANDOFF_CORS_ORIGINS: viteOrigin,
    HANDOFF_LOG_LEVEL: 'silent',
  });
  const app = createHandoff({ config, store, logger: silentLogger });
  backend = createAdaptorServer({ fetch: app.fetch }) as Server;
  const api = await listen(backend);

  const { token } = await store.customerSessions.create({
    accountId: 'default',
    customer: {
      id: 'demo-customer',
      email: 'ada@example.com',
      twocheckoutSubscriptions: ['SUB-DEMO-1', 'SUB-DEMO-2'],
    },
    expiresAt: new Date(Date.now() + 3600_000),
  });
  pageUrl = `${viteOrigin}/?${new URLSearchParams({ api, token })}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (backend ? backend.close(done) : done(undefined)));
  await vite?.close();
  await sandbox?.close();
  await store?.close();
});

async function openPage(context: BrowserContext) {
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.getByRole('button', { name: 'Manage storage add-on' }).waitFor();
  return page;
}

describe('2Checkout single sign-on in a browser', () => {
  it('opens myAccount in a new tab, signed in, on the chosen page; the link then stops working', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      const linkResponse = page.waitForResponse(
        (r) => r.url().endsWith('/v1/2checkout/sso') && r.request().method() === 'POST',
      );
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Manage storage add-on' }).click(),
      ]);
      const link = (await (await linkResponse).json()) as LinkResponse;
      expect(link.url.startsWith(`${sandbox.sandbox.baseUrl}/2checkout/myaccount/`)).toBe(true);

      await tab.getByTestId('myaccount-page').waitFor();
      expect(tab.url()).toBe(`${sandbox.sandbox.baseUrl}/2checkout/myaccount/my_license/`);
      expect(await tab.getByTestId('myaccount-page').textContent()).toBe('my_license');
      expect(await tab.getByTestId('myaccount-customer-email').textContent()).toBe('ada@example.com');
      expect(await tab.getByTestId('myaccount-subscription').textContent()).toBe('SUB-DEMO-2');
      await expect
        .poll(() => page.getByRole('button', { name: 'Manage storage add-on' }).getAttribute('data-state'))
        .toBe('idle');

      // One time only: the same URL, opened again, shows the error page.
      const again = await context.newPage();
      const response = await again.goto(link.url);
      expect(response?.status()).toBe(410);
      expect(await again.getByTestId('myaccount-error').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("refuses another customer's subscription: the button reports the error and no tab stays open", async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      await page.getByRole('button', { name: 'Manage someone else’s subscription' }).click();
      await expect.poll(() => page.getByTestId('error-code').textContent()).toBe('forbidden');
      const button = page.getByRole('button', { name: 'Manage someone else’s subscription' });
      expect(await button.getAttribute('data-state')).toBe('error');
      await expect.poll(() => context.pages().length).toBe(1);
    } finally {
      await context.close();
    }
  });
});
