import type { BrowserContext, Request } from 'playwright-core';
import { startDemo } from '../../test/demo/demo.ts';
import { launchChromium } from '../../test/support/browser.ts';
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
}

const CASES: readonly Case[] = [
  {
    component: 'okepay',
    button: { name: 'Manage subscription' },
    page: (path) => path.startsWith('/okepay/portal/'),
  },
  {
    component: '2checkout',
    button: { name: 'Manage SUB-DEMO-1' },
    page: (path) => path.startsWith('/2checkout/') && !path.startsWith('/2checkout/api'),
  },
  {
    component: 'paybis',
    button: { name: 'Buy crypto' },
    page: (path) => path === '/paybis/widget' || path === '/paybis/widget/',
  },
];

export interface ClickResult {
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  samples: number[];
}

export interface BrowserResult {
  /** By sandbox latency ("0", "100"), then component. */
  byLatency: Record<string, Record<Component, ClickResult>>;
}

declare global {
  interface Window {
    __benchClickAt?: number;
  }
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
        const samples: number[] = [];
        // One extra round first: Vite compiles the page's modules on the first visit.
        for (let i = 0; i <= options.rounds; i++) {
          const context = await browser.newContext();
          try {
            const ms = await clickToProviderPage(context, demo.url, sandboxOrigin, c);
            if (i > 0) samples.push(ms);
          } finally {
            await context.close();
          }
        }
        const sorted = [...samples].sort((a, b) => a - b);
        results[c.component] = {
          p50Ms: round(median(samples), 1),
          p99Ms: round(percentile(samples, 99), 1),
          minMs: round(sorted[0]!, 1),
          maxMs: round(sorted[sorted.length - 1]!, 1),
          samples: samples.map((s) => round(s, 1)),
        };
        log(`browser: latency ${latency} ms, ${c.component}: p50 ${median(samples).toFixed(1)} ms`);
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
): Promise<number> {
  await context.addInitScript(() => {
    document.addEventListener(
      'click',
      (event) => {
        window.__benchClickAt = performance.timeOrigin + event.timeStamp;
      },
      { capture: true },
    );
  });
  const page = await context.newPage();
  await page.goto(url);
  const button = page.getByRole('button', c.button);
  await button.waitFor();

  const providerRequest = new Promise<Request>((resolve) => {
    context.on('request', (request) => {
      const target = new URL(request.url());
      if (
        target.origin === sandboxOrigin &&
        request.resourceType() === 'document' &&
        c.page(target.pathname)
      ) {
        resolve(request);
      }
    });
  });
  await button.click();
  const request = await withTimeout(providerRequest, 15_000, `${c.component}: no provider page request`);
  // Timing is complete once the response has arrived.
  await withTimeout(request.response(), 15_000, `${c.component}: the provider page did not answer`);
  const startedAt = request.timing().startTime;
  const clickedAt = await page.evaluate(() => window.__benchClickAt);
  if (typeof clickedAt !== 'number' || !(startedAt > 0)) {
    throw new Error(`${c.component}: the click or the request time is missing.`);
  }
  return startedAt - clickedAt;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
