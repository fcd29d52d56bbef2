import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directSpecs } from './direct.ts';
import { runLoad } from './load.ts';
import { startStack, ROUTES, type Stack } from './stack.ts';

/** The bench's processes: each route answers through the backend, and each direct call passes the sandbox's checks. */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the bench stack', () => {
  it.each(ROUTES)('serves the %s route through the backend and the sandbox process', async (route) => {
    const result = await runLoad(stack.routes[route], { concurrency: 2, durationMs: 20_000, maxRequests: 4 });
    expect(result.firstError).toBeUndefined();
    expect(result.requests).toBe(4);
  });

  it('sends direct provider calls the sandbox accepts, and refuses a tampered signature', async () => {
    const direct = await directSpecs(stack.sandbox.urls);
    for (const route of ROUTES) {
      const result = await runLoad(direct[route], { concurrency: 1, durationMs: 20_000, maxRequests: 2 });
      expect(result.firstError, route).toBeUndefined();
    }
    const tampered = { ...direct.paybis, body: direct.paybis.body!.replace('buyCrypto', 'sellCrypto') };
    const refused = await runLoad(tampered, { concurrency: 1, durationMs: 20_000, maxRequests: 1 });
    expect(refused.errors).toBe(1);
  });

  it('answers the bare route and reads the backend’s memory', async () => {
    const result = await runLoad(stack.bare.spec, { concurrency: 1, durationMs: 20_000, maxRequests: 2 });
    expect(result.requests).toBe(2);
    expect(await stack.backend.rss()).toBeGreaterThan(10 * 2 ** 20);
  });

  it('sets the sandbox latency', async () => {
    await stack.sandbox.setLatency(150);
    try {
      const result = await runLoad(stack.routes.okepay, {
        concurrency: 1,
        durationMs: 20_000,
        maxRequests: 1,
      });
      expect(result.p50Ms).toBeGreaterThanOrEqual(150);
    } finally {
      await stack.sandbox.setLatency(0);
    }
  });
});
