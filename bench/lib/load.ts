import { Agent, request } from 'node:http';
import { percentileSorted } from './stats.ts';

/** One HTTP request the load generator repeats. */
export interface RequestSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The status every answer must have (default 200); anything else counts as an error. */
  expectStatus?: number;
}

export interface LoadOptions {
  /**
   * Requests in flight at once, each on its own keep-alive connection. With `arrivalsPerSecond`,
   * the most connections open at once; a request that finds them all busy waits, and the wait
   * counts in its latency.
   */
  concurrency: number;
  /**
   * Open loop: send requests at random times, this many per second on average (Poisson
   * arrivals, each independent of the answers), instead of `concurrency` workers that each send
   * the next request when the last is answered. The arrival times come from `seed`, so two runs
   * with the same seed send on the same schedule.
   */
  arrivalsPerSecond?: number;
  seed?: number;
  /** Stop issuing new requests after this long. */
  durationMs: number;
  /** Stop issuing new requests after this many, whichever comes first. */
  maxRequests: number;
  /** A single request that takes longer than this fails (and the run goes on). */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first failure, to say what went wrong. */
  firstError?: string;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Every successful request's latency in milliseconds, sorted. */
  latencies: number[];
}

interface Target {
  hostname: string;
  port: number;
  path: string;
  method: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
  expectStatus: number;
}

function prepare(spec: RequestSpec): Target {
  const url = new URL(spec.url);
  if (url.protocol !== 'http:') throw new Error(`The load generator speaks plain HTTP only: ${spec.url}`);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
    throw new Error(`The load generator runs on loopback only, not ${url.hostname}.`);
  }
  const body = spec.body === undefined ? null : Buffer.from(spec.body, 'utf8');
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    path: `${url.pathname}${url.search}`,
    method: spec.method ?? (body ? 'POST' : 'GET'),
    headers: { ...spec.headers, ...(body ? { 'content-length': body.length } : {}) },
    body,
    expectStatus: spec.expectStatus ?? 200,
  };
}

function once(agent: Agent, target: Target, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: target.method,
        headers: target.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode === target.expectStatus) resolve(null);
          else resolve(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
        });
        res.on('error', (err) => resolve(err.message));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end(target.body ?? undefined);
  });
}

/** A small seeded generator of numbers in [0, 1) (mulberry32), so arrival schedules repeat. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A bounded load generator over keep-alive connections, until the time or the count runs out.
 * Closed loop by default: `concurrency` workers each send a request, wait for the whole answer,
 * and send the next. Open loop with `arrivalsPerSecond`: requests leave on a random schedule
 * whatever the answers. It never retries, and it stops by itself.
 */
export async function runLoad(
  spec: RequestSpec | (() => RequestSpec),
  options: LoadOptions,
): Promise<LoadResult> {
  const { concurrency, durationMs, maxRequests, requestTimeoutMs = 10_000, arrivalsPerSecond } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
  if (!(durationMs > 0) || !(maxRequests > 0)) throw new RangeError('durationMs and maxRequests must be > 0');
  if (arrivalsPerSecond !== undefined && !(arrivalsPerSecond > 0 && arrivalsPerSecond <= 10_000)) {
    throw new RangeError('arrivalsPerSecond must be > 0 and ≤ 10 000');
  }
  const next =
    typeof spec === 'function'
      ? () => prepare(spec())
      : (
          (t) => () =>
            t
        )(prepare(spec));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;

  const started = performance.now();
  const deadline = started + durationMs;
  const send = async () => {
    issued++;
    const target = next();
    const t0 = performance.now();
    const error = await once(agent, target, requestTimeoutMs);
    if (error === null) latencies.push(performance.now() - t0);
    else {
      errors++;
      firstError ??= error;
    }
  };
  if (arrivalsPerSecond === undefined) {
    const worker = async () => {
      while (issued < maxRequests && performance.now() < deadline) await send();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } else {
    const random = seededRandom(options.seed ?? 1);
    const sent: Array<Promise<void>> = [];
    let at = started;
    for (;;) {
      // Exponential gaps between arrivals: a Poisson process at the asked rate.
      at += (-Math.log(1 - random()) / arrivalsPerSecond) * 1000;
      if (issued >= maxRequests || at >= deadline) break;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      sent.push(send());
    }
    await Promise.all(sent);
  }
  const elapsedMs = performance.now() - started;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    elapsedMs,
    rps: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentileSorted(latencies, 50),
    p99Ms: percentileSorted(latencies, 99),
    latencies,
  };
}
