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
  /** Requests in flight at once, each on its own keep-alive connection. */
  concurrency: number;
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

/**
 * A bounded closed-loop load generator: `concurrency` workers each send a request, wait for the
 * whole answer, and send the next, over keep-alive connections, until the time or the count
 * runs out. It never retries, and it stops by itself.
 */
export async function runLoad(
  spec: RequestSpec | (() => RequestSpec),
  options: LoadOptions,
): Promise<LoadResult> {
  const { concurrency, durationMs, maxRequests, requestTimeoutMs = 10_000 } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
  if (!(durationMs > 0) || !(maxRequests > 0)) throw new RangeError('durationMs and maxRequests must be > 0');
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
  const worker = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      issued++;
      const target = next();
      const t0 = performance.now();
      const error = await once(agent, target, requestTimeoutMs);
      if (error === null) latencies.push(performance.now() - t0);
      else {
        errors++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
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
