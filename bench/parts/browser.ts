import type { BrowserContext } from 'playwright-core';
import { startDemo } from '../../test/demo/demo.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { BareChromium, poll, sleep } from '../lib/cdp.ts';
import { clickTimes, providerPageRequest, RECORD_CLICKS, recordClicks } from '../lib/click.ts';
import { median, percentile, round } from '../lib/stats.ts';

export interface BrowserOptions {
  latenciesMs: number[];
  rounds: number;
  log: (line: string) => void;
}

type Component = 'okepay' | '2checkout' | 'paybis';

interface Case {
  component: Component;
  /** The button on the demo page. */
  button: { name: string | RegExp };
  /** The provider page's path on the sandbox. */
  page: (path: string) => boolean;
  /** The component's backend route. */
  route: string;
}

const CASES: readonly Case[] = [
  {
    component: 'okepay',
    button: { name: 'Manage subscription' },
    page: (path) => path.startsWith('/okepay/portal/'),
    route: '/v1/okepay/login-link',
  },
  {
    component: '2checkout',
    button: { name: 'Manage SUB-DEMO-1' },
    page: (path) => path.startsWith('/2checkout/') && !path.startsWith('/2checkout/api'),
    route: '/v1/2checkout/sso',
  },
  {
    component: 'paybis',
    button: { name: 'Buy crypto' },
    page: (path) => path === '/paybis/widget' || path === '/paybis/widget/',
    route: '/v1/paybis/session',
  },
];

export interface ClickResult {
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  samples: number[];
  /** Where the time goes (medians): click → the backend request starts, and that request's duration. */
  clickToBackendRequestMs: number;
  backendRequestMs: number;
}

interface Timeline {
  /** Click → provider page request. */
  totalMs: number;
  clickToBackendRequestMs: number;
  backendRequestMs: number;
}

/** Click to provider page in Chromium with no driver attached to the new tab (`BareChromium`). */
export interface BareClickResult {
  /** The pointer moves onto the button and clicks at once (the prefetch, if any, is in flight). */
  atOnce: { p50Ms: number; p99Ms: number; samples: number[] };
  /** The pointer rests on the button for `restMs` first, as a person's does: the prefetch is in hand. */
  rested: { p50Ms: number; p99Ms: number; samples: number[] };
}

export interface BrowserResult {
  /** By sandbox latency ("0", "100"), then component. */
  byLatency: Record<string, Record<Component, ClickResult>>;
  /** The same clicks without a test driver on the new tab, by sandbox latency, then component. */
  bare?: Record<string, Record<Component, BareClickResult>>;
  /** How long the pointer rests before the `rested` clicks. */
  restMs?: number;
}

/** A person's pointer rests on a button for a few hundred milliseconds before the click. */
const REST_MS = 300;

const summary = (samples: number[]) => ({
  p50Ms: round(median(samples), 1),
  p99Ms: round(percentile(samples, 99), 1),
  samples: samples.map((x) => round(x, 1)),
});

/**
 * Part 3: in Chromium, on the demo host page, from the click on each component to the request
 * for the provider page. Both ends are wall-clock times taken by the browser itself: the click
 * event's time stamp, and the provider page request's start time from the network stack.
 */
export async function runBrowser(options: BrowserOptions): Promise<BrowserResult> {
  const { log } = options;
  const demo = await startDemo({ port: 0, logLevel: 'silent' });
  const browser = await launchChromium();
  try {
    const sandboxOrigin = new URL(demo.sandbox.url).origin;
    const byLatency: BrowserResult['byLatency'] = {};
    for (const latency of options.latenciesMs) {
      demo.sandbox.sandbox.setFaults(latency > 0 ? { latencyMs: latency } : {});
      const results = {} as Record<Component, ClickResult>;
      for (const c of CASES) {
        const timelines: Timeline[] = [];
        // One extra round first: Vite compiles the page's modules on the first visit.
        for (let i = 0; i <= options.rounds; i++) {
          const context = await browser.newContext();
          try {
            const timeline = await clickToProviderPage(context, demo.url, sandboxOrigin, c);
            if (i > 0) timelines.push(timeline);
          } finally {
            await context.close();
          }
        }
        const samples = timelines.map((t) => t.totalMs);
        const sorted = [...samples].sort((a, b) => a - b);
        results[c.component] = {
          p50Ms: round(median(samples), 1),
          p99Ms: round(percentile(samples, 99), 1),
          minMs: round(sorted[0]!, 1),
          maxMs: round(sorted[sorted.length - 1]!, 1),
          samples: samples.map((s) => round(s, 1)),
          clickToBackendRequestMs: round(median(timelines.map((t) => t.clickToBackendRequestMs)), 1),
          backendRequestMs: round(median(timelines.map((t) => t.backendRequestMs)), 1),
        };
        const x = results[c.component];
        log(
          `browser: latency ${latency} ms, ${c.component}: p50 ${x.p50Ms} ms ` +
            `(backend request starts at ${x.clickToBackendRequestMs} ms, takes ${x.backendRequestMs} ms)`,
        );
      }
      byLatency[String(latency)] = results;
    }

    // The same clicks with no driver on the new tab, both ways of clicking interleaved.
    await browser.close();
    const bareChrome = BareChromium.launch();
    const bare: NonNullable<BrowserResult['bare']> = {};
    try {
      for (const latency of options.latenciesMs) {
        demo.sandbox.sandbox.setFaults(latency > 0 ? { latencyMs: latency } : {});
        const results = {} as Record<Component, BareClickResult>;
        for (const c of CASES) {
          const atOnce: number[] = [];
          const rested: number[] = [];
          for (let i = 0; i <= options.rounds; i++) {
            const a = await bareClickToProviderPage(bareChrome, demo.url, sandboxOrigin, c, 0);
            const b = await bareClickToProviderPage(bareChrome, demo.url, sandboxOrigin, c, REST_MS);
            if (i === 0) continue;
            atOnce.push(a);
            rested.push(b);
          }
          results[c.component] = { atOnce: summary(atOnce), rested: summary(rested) };
          log(
            `browser (no driver on the tab): latency ${latency} ms, ${c.component}: ` +
              `click at once p50 ${results[c.component].atOnce.p50Ms} ms, ` +
              `after ${REST_MS} ms on the button p50 ${results[c.component].rested.p50Ms} ms`,
          );
        }
        bare[String(latency)] = results;
      }
    } finally {
      await bareChrome.close();
    }
    return { byLatency, bare, restMs: REST_MS };
  } finally {
    demo.sandbox.sandbox.setFaults({});
    await browser.close();
    await demo.close();
  }
}

/** Finds the button by its text and returns its centre, or null while it is not rendered. */
const findButton = (name: string | RegExp) => `(() => {
  const test = ${name instanceof RegExp ? name.toString() : JSON.stringify(name)};
  const button = [...document.querySelectorAll('button')].find((b) => {
    const text = (b.getAttribute('aria-label') ?? b.textContent ?? '').trim();
    return typeof test === 'string' ? text === test : test.test(text);
  });
  if (!button) return null;
  button.scrollIntoView({ block: 'center' });
  const r = button.getBoundingClientRect();
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
})()`;

/**
 * One click in a fresh browser context, over the bare DevTools connection: click time from the
 * host page, and the provider page's own navigation timing once it has loaded (a new tab is only
 * attached to then), or the host page's resource timing for a provider page in a frame (the
 * Paybis overlay). Both are epoch milliseconds on the browser's clock.
 */
async function bareClickToProviderPage(
  chrome: BareChromium,
  url: string,
  sandboxOrigin: string,
  c: Case,
  restMs: number,
): Promise<number> {
  const { browserContextId } = await chrome.send<{ browserContextId: string }>('Target.createBrowserContext');
  try {
    const { targetId } = await chrome.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
      browserContextId,
    });
    const { sessionId } = await chrome.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    await chrome.send('Page.enable', {}, sessionId);
    await chrome.send('Page.addScriptToEvaluateOnNewDocument', { source: RECORD_CLICKS }, sessionId);
    await chrome.send('Page.navigate', { url }, sessionId);
    // Where the button is once the page has settled (the list of subscriptions arrives after
    // the first render and moves it): the same place twice, 100 ms apart.
    let last = '';
    const at = await poll(
      async () => {
        const point = await chrome.evaluate<{ x: number; y: number } | null>(
          sessionId,
          findButton(c.button.name),
        );
        const here = JSON.stringify(point);
        const settled = point && here === last;
        last = here;
        if (!settled) await sleep(90);
        return settled ? point : undefined;
      },
      30_000,
      `${c.component}: the button`,
    );
    const mouse = (type: string) =>
      chrome.send('Input.dispatchMouseEvent', { type, ...at, button: 'left', clickCount: 1 }, sessionId);
    await chrome.send('Input.dispatchMouseEvent', { type: 'mouseMoved', ...at }, sessionId);
    if (restMs) await sleep(restMs);
    await mouse('mousePressed');
    await mouse('mouseReleased');

    const isProviderPage = (href: string) => {
      const target = new URL(href);
      return target.origin === sandboxOrigin && c.page(target.pathname);
    };
    const startedAt = await poll(
      async () => {
        const frames = await chrome.evaluate<Array<{ name: string; at: number }>>(
          sessionId,
          `performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'iframe')
            .map((e) => ({ name: e.name, at: performance.timeOrigin + e.startTime }))`,
        );
        const framed = frames.find((f) => isProviderPage(f.name));
        if (framed) return framed.at;
        const { targetInfos } = await chrome.send<{
          targetInfos: Array<{ targetId: string; type: string; url: string; browserContextId?: string }>;
        }>('Target.getTargets');
        const tab = targetInfos.find(
          (t) =>
            t.type === 'page' &&
            t.browserContextId === browserContextId &&
            t.targetId !== targetId &&
            t.url.startsWith('http') &&
            isProviderPage(t.url),
        );
        if (!tab) return undefined;
        const { sessionId: tabSession } = await chrome.send<{ sessionId: string }>('Target.attachToTarget', {
          targetId: tab.targetId,
          flatten: true,
        });
        const start = await chrome.evaluate<number | null>(
          tabSession,
          `new Promise((resolve) => {
            const done = () => {
              const nav = performance.getEntriesByType('navigation')[0];
              // The first request of the navigation: the one-time link, before its redirect.
              resolve(nav ? performance.timeOrigin + (nav.redirectStart || nav.fetchStart) : null);
            };
            if (document.readyState === 'complete') done();
            else addEventListener('load', done);
          })`,
        );
        return start ?? undefined;
      },
      30_000,
      `${c.component}: the provider page`,
    );
    const clickedAt = await chrome.evaluate<number | null>(sessionId, 'window.__benchClickAt ?? null');
    if (typeof clickedAt !== 'number') throw new Error(`${c.component}: the click time is missing.`);
    return startedAt - clickedAt;
  } finally {
    await chrome.send('Target.disposeBrowserContext', { browserContextId });
  }
}

async function clickToProviderPage(
  context: BrowserContext,
  url: string,
  sandboxOrigin: string,
  c: Case,
): Promise<Timeline> {
  await recordClicks(context);
  const page = await context.newPage();
  await page.goto(url);
  const button = page.getByRole('button', c.button);
  await button.waitFor();

  const providerRequest = providerPageRequest(context, sandboxOrigin, c.page);
  await button.click();
  const { startedAt, clickedAt } = await clickTimes(page, providerRequest, c.component);
  const inPage = await page.evaluate((route) => {
    // Resource Timing of the component's backend call, on the page's own clock.
    const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === route) as
      PerformanceResourceTiming | undefined;
    return {
      origin: performance.timeOrigin,
      backend: entry ? { start: entry.startTime, end: entry.responseEnd } : null,
    };
  }, c.route);
  const { origin, backend } = inPage;
  if (!backend) throw new Error(`${c.component}: the backend request time is missing.`);
  return {
    totalMs: startedAt - clickedAt,
    clickToBackendRequestMs: origin + backend.start - clickedAt,
    backendRequestMs: backend.end - backend.start,
  };
}
