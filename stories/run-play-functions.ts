/**
 * Runs every story of the static Storybook build (`npm run build-storybook` first) in Chromium,
 * each in a fresh page on a cold load, and waits for its play function through Storybook's own
 * channel events. A story fails when it errors, its play function throws, an error goes
 * unhandled while it plays, or any request leaves this machine (every story must work offline).
 * Prints one line per story and a closing `N passed, N failed`; exits non-zero on any failure.
 *
 *   npm run test:stories
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../test/support/browser.ts';

const STATIC_DIR = resolve(import.meta.dirname, '..', 'storybook-static');
/** Longest a story may take to render and play before it counts as failed (not a timed assertion: a hang). */
const STORY_DEADLINE_MS = 30_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Serves the static build on 127.0.0.1 (a folder's `index.html` for a folder URL). */
function serve(directory: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname));
    let file = join(directory, path);
    if (!file.startsWith(directory)) return response.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

interface StoryEntry {
  id: string;
  title: string;
  name: string;
  type: 'story' | 'docs';
}

/** What the preview reported for one story, collected by an init script before Storybook starts. */
interface ChannelReport {
  event: string;
  message: string;
}

declare global {
  interface Window {
    handoffStoryReports?: ChannelReport[];
  }
}

/**
 * Hooks Storybook's preview channel as soon as it is set, so no early event is missed. Plain
 * JavaScript text: it runs in the page, where a compiled function's helpers would not exist.
 */
const WATCH_CHANNEL = `(() => {
  const reports = (window.handoffStoryReports = []);
  const events = ['storyRendered', 'storyFinished', 'storyErrored', 'storyThrewException',
    'playFunctionThrewException', 'unhandledErrorsWhilePlaying', 'storyMissing'];
  let channel;
  Object.defineProperty(window, '__STORYBOOK_ADDONS_CHANNEL__', {
    configurable: true,
    get: () => channel,
    set(value) {
      if (value === channel) return;
      channel = value;
      if (!value) return;
      for (const event of events) {
        value.on(event, (detail) => {
          const message = detail && typeof detail === 'object' && 'message' in detail
            ? String(detail.message) : JSON.stringify(detail ?? null);
          reports.push({ event, message });
        });
      }
    },
  });
})();`;

const FAILURES = new Set([
  'storyErrored',
  'storyThrewException',
  'playFunctionThrewException',
  'unhandledErrorsWhilePlaying',
  'storyMissing',
]);

async function runStory(context: BrowserContext, base: string, story: StoryEntry): Promise<string | null> {
  const page: Page = await context.newPage();
  const offline: string[] = [];
  page.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url());
    if ((protocol === 'http:' || protocol === 'https:') && hostname !== '127.0.0.1') {
      // Answered by the mock service worker inside the page: never reaches the network.
      void request.response().then(
        (response) => {
          if (!response?.fromServiceWorker()) offline.push(request.url());
        },
        () => offline.push(request.url()),
      );
    }
  });
  // What the mock service worker itself fetches (a request it let through) is reported apart.
  const fromWorker = (request: Request) => {
    const { hostname, protocol } = new URL(request.url());
    if (request.serviceWorker() && /^https?:$/.test(protocol) && hostname !== '127.0.0.1') {
      offline.push(request.url());
    }
  };
  context.on('request', fromWorker);
  page.on('pageerror', (error) => offline.push(`page error: ${error.message}`));
  try {
    await page.goto(`${base}/iframe.html?id=${encodeURIComponent(story.id)}&viewMode=story`);
    const handle = await page.waitForFunction(
      () => {
        const reports = window.handoffStoryReports ?? [];
        const finished = reports.some((r) => r.event === 'storyFinished' || r.event === 'storyRendered');
        const failed = reports.some((r) =>
          [
            'storyErrored',
            'storyThrewException',
            'playFunctionThrewException',
            'unhandledErrorsWhilePlaying',
            'storyMissing',
          ].includes(r.event),
        );
        return finished || failed ? reports : null;
      },
      undefined,
      { timeout: STORY_DEADLINE_MS },
    );
    const reports = (await handle.jsonValue()) as ChannelReport[];
    const failure = reports.find((r) => FAILURES.has(r.event));
    if (failure) return `${failure.event}: ${failure.message}`;
    const finished = reports.find((r) => r.event === 'storyFinished');
    if (finished && /"status":"error"/.test(finished.message)) return `storyFinished: ${finished.message}`;
    if (offline.length) return `left this machine: ${offline.join(', ')}`;
    return null;
  } catch (error) {
    return String(error instanceof Error ? error.message : error);
  } finally {
    context.off('request', fromWorker);
    await page.close();
  }
}

async function main(): Promise<number> {
  const index = join(STATIC_DIR, 'index.json');
  if (!existsSync(index)) {
    console.error('No static Storybook build: run `npm run build-storybook` first.');
    return 1;
  }
  const entries = Object.values(
    (JSON.parse(readFileSync(index, 'utf8')) as { entries: Record<string, StoryEntry> }).entries,
  ).filter((entry) => entry.type === 'story');
  const server = await serve(STATIC_DIR);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  let passed = 0;
  let failed = 0;
  try {
    for (const story of entries) {
      // A fresh context per story: a cold load, with no service worker or cache from the last one.
      const context = await browser.newContext();
      await context.addInitScript({ content: WATCH_CHANNEL });
      const failure = await runStory(context, base, story);
      await context.close();
      if (failure) {
        failed += 1;
        console.log(`✗ ${story.title} › ${story.name}\n    ${failure}`);
      } else {
        passed += 1;
        console.log(`✓ ${story.title} › ${story.name}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
