import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, seededRandom } from './load.ts';

let server: Server;
let base: string;
let inFlight = 0;
let mostInFlight = 0;
const seen: Array<{ method?: string; length?: string; body: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method,
        length: req.headers['content-length'],
        body,
        auth: req.headers.authorization,
      });
      if (req.url === '/slow') {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          res.end('{}');
        }, 200);
        return;
      }
      if (req.url === '/fail') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"down"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('runLoad', () => {
  it('stops at the request count and sends the body with its length and headers', async () => {
    seen.length = 0;
    const result = await runLoad(
      { url: `${base}/ok`, method: 'POST', headers: { authorization: 'Bearer t' }, body: '{"a":1}' },
      { concurrency: 4, durationMs: 10_000, maxRequests: 40 },
    );
    expect(result.requests).toBe(40);
    expect(result.errors).toBe(0);
    expect(result.latencies).toHaveLength(40);
    expect(result.latencies).toEqual([...result.latencies].sort((a, b) => a - b));
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(seen).toHaveLength(40);
    expect(seen[0]).toEqual({ method: 'POST', length: '7', body: '{"a":1}', auth: 'Bearer t' });
  });

  it('stops when the time runs out', async () => {
    const result = await runLoad(
      { url: `${base}/ok` },
      { concurrency: 2, durationMs: 150, maxRequests: 1e9 },
    );
    expect(result.requests).toBeGreaterThan(0);
    expect(result.requests).toBeLessThan(1e9);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(150);
  });

  it('counts an unexpected status as an error and says what it was', async () => {
    const result = await runLoad(
      { url: `${base}/fail` },
      { concurrency: 1, durationMs: 10_000, maxRequests: 3 },
    );
    expect(result.requests).toBe(0);
    expect(result.errors).toBe(3);
    expect(result.firstError).toBe('HTTP 503: {"error":"down"}');
  });

  it('accepts the status the caller expects', async () => {
    const result = await runLoad(
      { url: `${base}/fail`, expectStatus: 503 },
      { concurrency: 1, durationMs: 10_000, maxRequests: 2 },
    );
    expect(result.requests).toBe(2);
    expect(result.errors).toBe(0);
  });

  it('counts a refused connection as an error instead of throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runLoad(
      { url: `http://127.0.0.1:${port}/` },
      { concurrency: 1, durationMs: 10_000, maxRequests: 2 },
    );
    expect(result.errors).toBe(2);
    expect(result.firstError).toMatch(/ECONNREFUSED/);
  });

  it('refuses anything but plain HTTP on loopback', async () => {
    const options = { concurrency: 1, durationMs: 100, maxRequests: 1 };
    await expect(runLoad({ url: 'http://example.com/' }, options)).rejects.toThrow(/loopback only/);
    await expect(runLoad({ url: 'https://127.0.0.1/' }, options)).rejects.toThrow(/plain HTTP/);
    await expect(runLoad({ url: `${base}/ok` }, { ...options, concurrency: 0 })).rejects.toThrow(RangeError);
  });

  it('open loop: sends on its schedule without waiting for answers, up to the connection cap', async () => {
    mostInFlight = 0;
    // 1000 arrivals a second against answers that take 200 ms: twelve requests leave long
    // before the first answer, and no more than the cap of eight are ever open at once.
    const result = await runLoad(
      { url: `${base}/slow` },
      { concurrency: 8, arrivalsPerSecond: 1000, durationMs: 10_000, maxRequests: 12 },
    );
    expect(result.requests).toBe(12);
    expect(result.errors).toBe(0);
    expect(mostInFlight).toBe(8);
    // The four that waited for a free connection count that wait in their latency: a whole
    // answer's time on top of their own (less the few milliseconds between arrivals).
    expect(result.latencies.slice(-4)[0]).toBeGreaterThan(350);
  });

  it('open loop: refuses a rate that is not positive', async () => {
    const options = { concurrency: 1, durationMs: 100, maxRequests: 1 };
    for (const arrivalsPerSecond of [0, -1, Number.NaN]) {
      await expect(runLoad({ url: `${base}/ok` }, { ...options, arrivalsPerSecond })).rejects.toThrow(
        RangeError,
      );
    }
  });
});

describe('seededRandom', () => {
  it('repeats its numbers for a seed, differs across seeds, and stays in [0, 1)', () => {
    const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    const a = take(7);
    expect(take(7)).toEqual(a);
    expect(take(8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    // Roughly uniform: the mean of 1000 draws is near one half.
    expect(Math.abs(a.reduce((x, y) => x + y) / a.length - 0.5)).toBeLessThan(0.05);
  });
});
