import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startDemo, type Demo } from '../demo/demo.ts';
import { launchChromium } from '../support/browser.ts';
import { Capture, report } from './support.ts';

/**
 * Part 7, the browser side: with the backend down, or with a provider slower than the backend's
 * timeout, each component ends in its error state (never stuck loading) and leaves no blank
 * window behind; a blocked popup falls back to the same tab, as documented.
 */

const capture = new Capture('browser', inject('captureDir'));
const figures = { clicks: 0, errorStates: 0, strayWindows: 0, failures: 0 };
let browser: Browser;
const demos: Demo[] = [];

// The demo backend logs to stderr; keep its lines for the leak scan.
const originalWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) capture.logs.push(line);
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  browser = await launchChromium();
});

afterAll(async () => {
  process.stderr.write = originalWrite;
  await browser?.close();
  for (const d of demos) await d.close();
  report('browser', {
    ...figures,
    backendLogLines: capture.logs.length,
    backendResponses: capture.responses.length,
  });
  capture.flush();
});

async function demo(options: Parameters<typeof startDemo>[0] = {}): Promise<Demo> {
  const d = await startDemo({ port: 0, logLevel: 'debug', ...options });
  demos.push(d);
  return d;
}

/** A new page whose answers from the demo backend are captured for the leak scan. */
async function watched(context: BrowserContext, d: Demo): Promise<Page> {
  const page = await context.newPage();
  page.on('response', (r) => {
    if (!r.url().startsWith(d.backendUrl)) return;
    r.text().then(
      (body) => capture.record(r.status(), new URL(r.url()).pathname, r.headers(), body),
      () => undefined, // preflights and aborted requests have no body
    );
  });
  return page;
}

/** A page on the demo whose backend answers are captured for the leak scan. */
async function open(context: BrowserContext, d: Demo): Promise<Page> {
  const page = await watched(context, d);
  await page.goto(d.url);
  await page.getByRole('button', { name: 'Manage subscription' }).waitFor();
  return page;
}

const BUTTONS: { name: string; provider: string }[] = [
  { name: 'Manage subscription', provider: 'okepay' },
  { name: 'Manage SUB-DEMO-1', provider: '2checkout' },
  { name: 'Buy crypto', provider: 'paybis' },
];

/**
 * Clicks, then waits for the error state (`data-state="error"` on `state`, by default the button
 * itself) and the error shown to the customer; counts windows opened and still open.
 */
async function clickExpectingError(
  context: BrowserContext,
  page: Page,
  button: Locator,
  code: string,
  state: Locator = button,
): Promise<number> {
  let opened = 0;
  const onPage = () => opened++;
  context.on('page', onPage);
  figures.clicks++;
  try {
    await button.click();
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 15_000 }).toBe('error');
    figures.errorStates++;
    if (state === button) {
      await expect.poll(() => page.getByTestId('error-code').getAttribute('data-code')).toBe(code);
    } else {
      // The custom elements report through a `handoff:error` event, which the page logs.
      await expect
        .poll(() => page.locator('[data-testid="event-log"] li[data-type="handoff:error"]').count())
        .toBeGreaterThan(0);
    }
    // A window opened inside the click is closed again once the link cannot be had.
    await expect.poll(() => context.pages().length).toBe(1);
    expect(context.pages()[0]).toBe(page);
  } catch (err) {
    figures.failures++;
    figures.strayWindows += Math.max(0, context.pages().length - 1);
    throw err;
  } finally {
    context.off('page', onPage);
  }
  expect(opened).toBeLessThanOrEqual(1);
  return opened;
}

const ELEMENTS: { name: string; selector: string; provider: string }[] = [
  {
    name: 'Manage subscription',
    selector: 'handoff-manage-subscription[provider="okepay"]',
    provider: 'okepay',
  },
  {
    name: 'Update card',
    selector: 'handoff-manage-subscription[provider="2checkout"]',
    provider: '2checkout',
  },
  { name: 'Buy crypto', selector: 'handoff-paybis-launcher', provider: 'paybis' },
];

/** The plain HTML demo page with the custom elements, configured and ready. */
async function openElements(context: BrowserContext, d: Demo): Promise<Page> {
  const page = await watched(context, d);
  await page.goto(new URL('/elements.html', d.url).href);
  await expect.poll(() => page.getByTestId('signed-in-as').textContent()).not.toBe('…');
  await page.getByRole('button', { name: 'Manage subscription' }).waitFor();
  return page;
}

describe('components when things go wrong', () => {
  it('a provider slower than the backend timeout: error state, no stray window', async () => {
    const d = await demo({ sandboxLatencyMs: 3000, env: { HANDOFF_PROVIDER_TIMEOUT_MS: '300' } });
    const context = await browser.newContext();
    try {
      for (const { name, provider } of BUTTONS) {
        const page = await open(context, d);
        const opened = await clickExpectingError(
          context,
          page,
          page.getByRole('button', { name }),
          'provider_timeout',
        );
        // The portal buttons open their tab inside the click (the Paybis overlay needs none).
        expect(opened).toBe(provider === 'paybis' ? 0 : 1);
        // Still on the host page, and it can try again.
        expect(new URL(page.url()).pathname).toBe('/');
        await page.close();
        await context.newPage().then((p) => p.close());
      }
    } finally {
      await context.close();
    }
  });

  it('the backend down: error state, no stray window, the page stays usable', async () => {
    const d = await demo();
    // One context per button, each page loaded while the backend was up.
    const contexts: BrowserContext[] = [];
    try {
      const pages: Page[] = [];
      for (let i = 0; i < BUTTONS.length; i++) {
        const context = await browser.newContext();
        contexts.push(context);
        pages.push(await open(context, d));
      }
      await d.backend.close();
      for (const [i, { name, provider }] of BUTTONS.entries()) {
        const page = pages[i]!;
        const opened = await clickExpectingError(
          contexts[i]!,
          page,
          page.getByRole('button', { name }),
          'network_error',
        );
        expect(opened).toBe(provider === 'paybis' ? 0 : 1);
        expect(new URL(page.url()).pathname).toBe('/');
      }
    } finally {
      for (const context of contexts) await context.close();
    }
  });

  it('a blocked popup falls back to the same tab (OkePay and 2Checkout)', async () => {
    const d = await demo();
    const context = await browser.newContext();
    try {
      await context.addInitScript(() => {
        window.open = () => null;
      });
      const okepay = await open(context, d);
      figures.clicks++;
      await okepay.getByRole('button', { name: 'Manage subscription' }).click();
      await okepay.waitForURL((url) => url.pathname.startsWith('/okepay/portal/'));
      expect(await okepay.getByTestId('portal-contact-id').textContent()).toBe('1001');
      expect(context.pages()).toHaveLength(1);
      await okepay.close();

      const twocheckout = await open(context, d);
      figures.clicks++;
      await twocheckout.getByRole('button', { name: 'Manage SUB-DEMO-1' }).click();
      await twocheckout.waitForURL((url) => url.pathname.includes('/2checkout/'));
      await twocheckout.getByTestId('myaccount-subscription').waitFor();
      expect(await twocheckout.getByTestId('myaccount-subscription').textContent()).toBe('SUB-DEMO-1');
      expect(context.pages()).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  it('a blocked popup and a failing backend: error state, the page does not navigate', async () => {
    const d = await demo({ sandboxLatencyMs: 3000, env: { HANDOFF_PROVIDER_TIMEOUT_MS: '300' } });
    const context = await browser.newContext();
    try {
      await context.addInitScript(() => {
        window.open = () => null;
      });
      const page = await open(context, d);
      await clickExpectingError(
        context,
        page,
        page.getByRole('button', { name: 'Manage subscription' }),
        'provider_timeout',
      );
      expect(new URL(page.url()).pathname).toBe('/');
    } finally {
      await context.close();
    }
  });

  it('the custom elements: provider timeout and backend down end in their error state, no stray window', async () => {
    const slow = await demo({ sandboxLatencyMs: 3000, env: { HANDOFF_PROVIDER_TIMEOUT_MS: '300' } });
    const down = await demo();
    const contexts: BrowserContext[] = [];
    try {
      for (const { name, selector, provider } of ELEMENTS) {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await openElements(context, slow);
        const opened = await clickExpectingError(
          context,
          page,
          page.getByRole('button', { name }),
          'provider_timeout',
          page.locator(selector),
        );
        expect(opened).toBe(provider === 'paybis' ? 0 : 1);
      }
      const pages: Page[] = [];
      const downContexts: BrowserContext[] = [];
      for (let i = 0; i < ELEMENTS.length; i++) {
        const context = await browser.newContext();
        contexts.push(context);
        downContexts.push(context);
        pages.push(await openElements(context, down));
      }
      await down.backend.close();
      for (const [i, { name, selector }] of ELEMENTS.entries()) {
        const page = pages[i]!;
        await clickExpectingError(
          downContexts[i]!,
          page,
          page.getByRole('button', { name }),
          'network_error',
          page.locator(selector),
        );
        expect(new URL(page.url()).pathname).toBe('/elements.html');
      }
    } finally {
      for (const context of contexts) await context.close();
    }
  });
});
