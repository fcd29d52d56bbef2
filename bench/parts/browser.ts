import type { BrowserContext } from 'playwright-core';
import { startDemo } from '../../test/demo/demo.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { clickTimes, providerPageRequest, recordClicks } from '../lib/click.ts';
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

export interface BrowserResult {
  /** By sandbox latency ("0", "100"), then component. */
  byLatency: Record<string, Record<Component, ClickResult>>;
}

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
    return { byLatency };
  } finally {
    demo.sandbox.sandbox.setFaults({});
    await browser.close();
    await demo.close();
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
