import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { startDemo } from '../../test/demo/demo.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { clickTimes, providerPageRequest, recordClicks } from '../lib/click.ts';
import { median, round } from '../lib/stats.ts';

/**
 * Click to provider page, with and without intent prefetch, in Chromium on the demo.
 *
 * For each button: from the click (the click event's own time stamp) to the start of the request
 * for the provider page (the network stack's time), both taken by the browser.
 *
 * - `prefetch`: the pointer rests on the button until the prefetch has answered, then clicks.
 * - `no-prefetch`: the same click with prefetch off. On the plain HTML page the elements get
 *   `prefetch="false"`. On the React page, which the measurement does not change, the pointer
 *   arrives and clicks at once: the request then starts with the click, as without prefetch.
 *
 * Run it alone with `npx tsx bench/parts/prefetch.ts [--rounds 10] [--latency 0,100]
 * [--pages elements,react]`, or
 * call `measurePrefetch` from the benchmark runner.
 */
export type PrefetchMode = 'prefetch' | 'no-prefetch';
export type DemoPage = 'elements' | 'react';

interface Case {
  name: string;
  page: DemoPage;
  button: string;
  /** The backend route the button asks. */
  route: string;
  /** The provider page's path on the sandbox. */
  providerPage: (path: string) => boolean;
}

const okepayPortal = (path: string) => path.startsWith('/okepay/portal/');
const paybisWidget = (path: string) => path === '/paybis/widget' || path === '/paybis/widget/';

export const PREFETCH_CASES: readonly Case[] = [
  {
    name: 'okepay',
    page: 'elements',
    button: 'Manage subscription',
    route: '/v1/okepay/login-link',
    providerPage: okepayPortal,
  },
  {
    name: '2checkout',
    page: 'elements',
    button: 'Update card',
    route: '/v1/2checkout/sso',
    providerPage: (path) => path.startsWith('/2checkout/') && !path.startsWith('/2checkout/api'),
  },
  {
    name: 'paybis',
    page: 'elements',
    button: 'Buy crypto',
    route: '/v1/paybis/session',
    providerPage: paybisWidget,
  },
  {
    name: 'okepay',
    page: 'react',
    button: 'Manage subscription',
    route: '/v1/okepay/login-link',
    providerPage: okepayPortal,
  },
  {
    name: 'paybis',
    page: 'react',
    button: 'Buy crypto',
    route: '/v1/paybis/session',
    providerPage: paybisWidget,
  },
];

export interface PrefetchMeasureOptions {
  /** Added sandbox latency per run, in milliseconds. */
  latenciesMs?: number[];
  rounds?: number;
  /** Which demo pages to measure (default both). */
  pages?: DemoPage[];
  log?: (line: string) => void;
}

export interface PrefetchSample {
  p50Ms: number;
  minMs: number;
  maxMs: number;
  samples: number[];
}

/** By latency ("0", "100"), then `page/case` ("elements/okepay"), then mode. */
export type PrefetchResult = Record<string, Record<string, Record<PrefetchMode, PrefetchSample>>>;

export async function measurePrefetch(options: PrefetchMeasureOptions = {}): Promise<PrefetchResult> {
  const { latenciesMs = [0, 100], rounds = 10, pages = ['elements', 'react'], log = () => {} } = options;
  const demo = await startDemo({ port: 0, logLevel: 'silent' });
  const browser = await launchChromium();
  try {
    const sandboxOrigin = new URL(demo.sandbox.url).origin;
    const result: PrefetchResult = {};
    for (const latency of latenciesMs) {
      demo.sandbox.sandbox.setFaults(latency > 0 ? { latencyMs: latency } : {});
      const byCase: PrefetchResult[string] = (result[String(latency)] = {});
      for (const c of PREFETCH_CASES.filter((c) => pages.includes(c.page))) {
        const modes = {} as Record<PrefetchMode, PrefetchSample>;
        for (const mode of ['no-prefetch', 'prefetch'] as const) {
          const samples: number[] = [];
          // One extra round first: Vite compiles the page's modules on the first visit.
          for (let i = 0; i <= rounds; i++) {
            const context = await browser.newContext();
            try {
              const ms = await clickToProviderPage(context, demo.url, sandboxOrigin, c, mode);
              if (i > 0) samples.push(ms);
            } finally {
              await context.close();
            }
          }
          modes[mode] = summarise(samples);
          log(`prefetch: latency ${latency} ms, ${c.page}/${c.name}, ${mode}: p50 ${modes[mode].p50Ms} ms`);
        }
        byCase[`${c.page}/${c.name}`] = modes;
      }
    }
    return result;
  } finally {
    demo.sandbox.sandbox.setFaults({});
    await browser.close();
    await demo.close();
  }
}

async function clickToProviderPage(
  context: BrowserContext,
  demoUrl: string,
  sandboxOrigin: string,
  c: Case,
  mode: PrefetchMode,
): Promise<number> {
  await recordClicks(context);
  const page = await context.newPage();
  await page.goto(new URL(c.page === 'elements' ? '/elements.html' : '/', demoUrl).href);
  const button = page.getByRole('button', { name: c.button, exact: true });
  await button.waitFor();
  if (c.page === 'elements') await waitForConfigured(page);
  if (c.page === 'elements' && mode === 'no-prefetch') {
    await page.evaluate(() => {
      for (const element of document.querySelectorAll(
        'handoff-manage-subscription, handoff-paybis-launcher',
      )) {
        element.setAttribute('prefetch', 'false');
      }
    });
  }
  if (mode === 'prefetch') {
    const prefetched = page.waitForResponse((r) => r.url().endsWith(c.route) && r.ok(), { timeout: 15_000 });
    await button.hover();
    await prefetched;
  }

  const providerRequest = providerPageRequest(context, sandboxOrigin, c.providerPage);
  await button.click();
  const { startedAt, clickedAt } = await clickTimes(page, providerRequest, `${c.page}/${c.name}`);
  return startedAt - clickedAt;
}

/** The elements page configures Handoff once it knows who is signed in. */
async function waitForConfigured(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="signed-in-as"]')?.textContent !== '…',
  );
}

function summarise(samples: number[]): PrefetchSample {
  const r = (n: number) => round(n, 1);
  return {
    p50Ms: r(median(samples)),
    minMs: r(Math.min(...samples)),
    maxMs: r(Math.max(...samples)),
    samples: samples.map(r),
  };
}

export function prefetchTable(result: PrefetchResult): string {
  const lines = [
    '| sandbox latency | button | no prefetch p50 | prefetch p50 |',
    '| --- | --- | --- | --- |',
  ];
  for (const [latency, byCase] of Object.entries(result)) {
    for (const [name, modes] of Object.entries(byCase)) {
      lines.push(
        `| ${latency} ms | ${name} | ${modes['no-prefetch'].p50Ms} ms | ${modes.prefetch.p50Ms} ms |`,
      );
    }
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '10' },
      latency: { type: 'string', default: '0,100' },
      pages: { type: 'string', default: 'elements,react' },
    },
  });
  const result = await measurePrefetch({
    rounds: Number(values.rounds),
    latenciesMs: values.latency.split(',').map(Number),
    pages: values.pages.split(',') as DemoPage[],
    log: (line) => console.error(line),
  });
  console.log(prefetchTable(result));
  console.log(JSON.stringify(result));
  process.exit(0);
}
