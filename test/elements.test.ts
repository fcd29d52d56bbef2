import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from './demo/demo.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The custom elements end to end: the demo's plain HTML page (no React) in Chromium, the real
 * backend and the provider sandbox. Each element opens its provider page as the signed-in
 * customer and reports it with DOM events; a link fetched on hover makes the click need no
 * backend request at all; and the one-file script build works from a `<script>` tag.
 */
let demo: Demo;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  demo = await startDemo({ port: 0, logLevel: 'silent' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

async function withContext(run: (page: Page) => Promise<void>): Promise<void> {
  context = await browser.newContext();
  try {
    await run(await context.newPage());
  } finally {
    await context.close();
  }
}

/** The elements page, once it knows who is signed in (so `Handoff.configure` has run). */
async function openElementsPage(page: Page): Promise<void> {
  await page.goto(new URL('/elements.html', demo.url).href);
  await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Ada Lovelace');
}

const logged = (page: Page) =>
  page
    .getByTestId('event-log')
    .locator('li')
    .evaluateAll((items) => items.map((li) => li.textContent));

const isLoginLink = (request: Request) =>
  request.method() === 'POST' && request.url().endsWith('/v1/okepay/login-link');

describe('custom elements on the plain HTML demo page', () => {
  it('<handoff-manage-subscription provider="okepay"> opens the portal as the signed-in customer', () =>
    withContext(async (page) => {
      await openElementsPage(page);
      const button = page.getByRole('button', { name: 'Manage subscription' });
      const [portal] = await Promise.all([context.waitForEvent('page'), button.click()]);
      await portal.getByTestId('portal-contact-id').waitFor();
      expect(await portal.getByTestId('portal-contact-id').textContent()).toBe('1001');
      expect(await portal.getByTestId('portal-contact-name').textContent()).toBe('Ada Lovelace');
      await expect.poll(() => logged(page)).toContain('handoff:open okepay');
      await expect
        .poll(() => page.locator('handoff-manage-subscription[provider="okepay"]').getAttribute('data-state'))
        .toBe('idle');
    }));

  it('<handoff-manage-subscription provider="2checkout"> lands on the asked myAccount page', () =>
    withContext(async (page) => {
      await openElementsPage(page);
      const [myAccount] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Update card' }).click(),
      ]);
      await myAccount.getByTestId('myaccount-page').waitFor();
      expect(await myAccount.getByTestId('myaccount-page').textContent()).toBe('change_card');
      expect(await myAccount.getByTestId('myaccount-subscription').textContent()).toBe('SUB-DEMO-1');
      expect(await myAccount.getByTestId('myaccount-customer-email').textContent()).toBe('ada@example.com');
      await expect.poll(() => logged(page)).toContain('handoff:open 2checkout');
    }));

  it('<handoff-paybis-launcher mode="overlay"> opens the Paybis widget over the page and passes its events on', () =>
    withContext(async (page) => {
      await openElementsPage(page);
      await page.getByRole('button', { name: 'Buy crypto' }).click();
      const overlay = page.getByRole('dialog', { name: 'Paybis' });
      await overlay.waitFor();
      const widget = page.frameLocator('iframe[data-paybis-widget]');
      // A customer Paybis does not know yet verifies their email in the widget.
      await widget.getByTestId('paybis-email').waitFor();
      await expect
        .poll(() => page.locator('handoff-paybis-launcher').getAttribute('data-state'))
        .toBe('open');
      await expect
        .poll(() => logged(page))
        .toEqual(expect.arrayContaining(['handoff:open paybis', 'handoff:widget-event loaded']));
      await widget.getByTestId('paybis-cancel').click();
      await expect.poll(() => logged(page)).toContain('handoff:widget-event cancelled');
    }));

  it('with a link prefetched on hover, the click opens the portal without a backend request', () =>
    withContext(async (page) => {
      await openElementsPage(page);
      const button = page.getByRole('button', { name: 'Manage subscription' });
      const prefetched = page.waitForResponse((r) => isLoginLink(r.request()) && r.ok());
      await button.hover();
      await prefetched;

      let afterClick = 0;
      page.on('request', (request) => {
        if (isLoginLink(request)) afterClick += 1;
      });
      const [portal] = await Promise.all([context.waitForEvent('page'), button.click()]);
      await portal.getByTestId('portal-contact-id').waitFor();
      expect(await portal.getByTestId('portal-contact-id').textContent()).toBe('1001');
      expect(afterClick).toBe(0);

      // That link is spent: the next click asks the backend for a new one.
      await page.mouse.move(0, 0);
      const [second] = await Promise.all([context.waitForEvent('page'), button.click()]);
      await second.getByTestId('portal-contact-id').waitFor();
      expect(afterClick).toBe(1);
    }));
});

describe('the one-file script build', () => {
  let script: string;

  beforeAll(async () => {
    const dir = resolve(import.meta.dirname, '../packages/elements');
    const output = (await build({
      configFile: resolve(dir, 'vite.config.ts'),
      mode: 'script',
      logLevel: 'silent',
      build: { write: false, sourcemap: false },
    })) as Rolldown.RolldownOutput[];
    script = output[0]!.output[0].code;
  });

  it('stays small', () => {
    // Core (client, action model, opener, the Paybis widget code inlined: one file cannot load a
    // chunk) plus the elements, minified and gzipped. Issue 18's target, 4.4 kB, is not met yet.
    expect(gzipSync(script).length).toBeLessThan(5_700);
  });

  it('defines the elements and Handoff.configure for a page that includes it with a <script> tag', () =>
    withContext(async (page) => {
      const origin = new URL(demo.url).origin;
      await page.route(`${origin}/handoff-elements.js`, (route) =>
        route.fulfill({ contentType: 'text/javascript', body: script }),
      );
      // A document of the host app's origin (its token endpoint, the backend's CORS), loaded from
      // the host server so that Chromium counts it as local, then given the test page's markup.
      await page.goto(origin);
      await page.setContent(`<!doctype html><html lang="en"><head><title>Script tag</title>
<script src="/handoff-elements.js"></script></head><body>
<handoff-manage-subscription provider="okepay">Manage subscription</handoff-manage-subscription>
<script>
  Handoff.configure({
    url: ${JSON.stringify(demo.backendUrl)},
    getToken: () => fetch('/api/handoff-token', { method: 'POST' }).then((r) => r.json()).then((b) => b.token),
  });
  document.addEventListener('handoff:open', (e) => { document.body.dataset.opened = e.detail.result.url; });
</script></body></html>`);
      expect(await page.evaluate(() => typeof customElements.get('handoff-manage-subscription'))).toBe(
        'function',
      );
      const [portal] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Manage subscription' }).click(),
      ]);
      await portal.getByTestId('portal-contact-id').waitFor();
      expect(await portal.getByTestId('portal-contact-id').textContent()).toBe('1001');
      await expect.poll(() => page.locator('body').getAttribute('data-opened')).toContain('/okepay/portal/');
    }));
});
