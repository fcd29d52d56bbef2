import type { BrowserContext, Page, Request } from 'playwright-core';

/**
 * Click-to-provider-page timing, shared by the browser and prefetch parts. Both ends are taken by
 * the browser: the click event's time stamp on the page's clock, and the network stack's start
 * time of the provider page's document request.
 */

declare global {
  interface Window {
    __benchClickAt?: number;
  }
}

/**
 * Records the time of every click on the page (capture phase, before the app): a script to run
 * before the page's own, for Playwright and for the bare DevTools client alike.
 */
export const RECORD_CLICKS = `document.addEventListener('click', (event) => {
  window.__benchClickAt = performance.timeOrigin + event.timeStamp;
}, { capture: true });`;

/** Records the time of every click in the pages of this context. */
export async function recordClicks(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: RECORD_CLICKS });
}

/** The first document request of this context to the sandbox that `matches` its path. */
export function providerPageRequest(
  context: BrowserContext,
  sandboxOrigin: string,
  matches: (pathname: string) => boolean,
): Promise<Request> {
  return new Promise<Request>((resolve) => {
    context.on('request', (request) => {
      const target = new URL(request.url());
      if (
        target.origin === sandboxOrigin &&
        request.resourceType() === 'document' &&
        matches(target.pathname)
      ) {
        resolve(request);
      }
    });
  });
}

/**
 * Waits for the provider page's request and response, and returns when the request started and
 * when the click happened (both epoch milliseconds).
 */
export async function clickTimes(
  page: Page,
  request: Promise<Request>,
  label: string,
): Promise<{ startedAt: number; clickedAt: number }> {
  const sent = await withTimeout(request, 15_000, `${label}: no provider page request`);
  // Timing is complete once the response has arrived.
  await withTimeout(sent.response(), 15_000, `${label}: the provider page did not answer`);
  const startedAt = sent.timing().startTime;
  const clickedAt = await page.evaluate(() => window.__benchClickAt);
  if (typeof clickedAt !== 'number' || !(startedAt > 0)) {
    throw new Error(`${label}: the click or the provider page request time is missing.`);
  }
  return { startedAt, clickedAt };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
