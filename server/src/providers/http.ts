import { ProviderError, ProviderTimeoutError } from '../errors.ts';
import { ExchangeTimeoutError, textExchangeOf } from '../http/node-fetch.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface ProviderHttpOptions {
  /** Display name used in error messages: `OkePay`, `2Checkout`, `Paybis`. */
  provider: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Where the call's outcome and duration are counted. */
  metrics?: Metrics | undefined;
}

/** A provider call: always a small text body with fixed headers. */
export interface ProviderRequestInit {
  method: string;
  headers: Record<string, string>;
  /** Absent for GET. */
  body?: string;
}

/**
 * One outbound provider call with a hard timeout. Network failures become ProviderError (502),
 * timeouts ProviderTimeoutError (504); the caller reads and judges the response body.
 *
 * With the backend's own `fetch` (`createNodeFetch`) the call goes through its text exchange,
 * which builds none of the Web objects a `fetch` call does; any other `fetch` (tests, an
 * embedding app's own) is called as it is.
 */
export async function providerRequest(
  options: ProviderHttpOptions,
  url: string,
  init: ProviderRequestInit,
): Promise<{ status: number; text: string }> {
  const { metrics } = options;
  if (metrics === undefined) return exchangeWithProvider(options, url, init);
  const started = performance.now();
  let outcome = 'error';
  try {
    const answer = await exchangeWithProvider(options, url, init);
    if (answer.status >= 200 && answer.status < 300) outcome = 'ok';
    return answer;
  } catch (err) {
    if (err instanceof ProviderTimeoutError) outcome = 'timeout';
    throw err;
  } finally {
    const labels = { provider: options.provider, outcome };
    metrics.providerCalls.inc(labels);
    metrics.providerCallDuration.observe(labels, (performance.now() - started) / 1000);
  }
}

async function exchangeWithProvider(
  { provider, fetch, timeoutMs }: ProviderHttpOptions,
  url: string,
  init: ProviderRequestInit,
): Promise<{ status: number; text: string }> {
  const exchange = textExchangeOf(fetch);
  if (exchange) {
    try {
      return await exchange(url, { ...init, timeoutMs });
    } catch (cause) {
      if (cause instanceof ExchangeTimeoutError)
        throw new ProviderTimeoutError(provider, timeoutMs, { cause });
      throw new ProviderError(provider, 'could not be reached', { cause });
    }
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal, redirect: 'error' });
    const text = await res.text();
    return { status: res.status, text };
  } catch (cause) {
    if (signal.aborted) throw new ProviderTimeoutError(provider, timeoutMs, { cause });
    throw new ProviderError(provider, 'could not be reached', { cause });
  }
}

/** Parses a provider's JSON body, or fails with a 502 that says the body was unusable. */
export function parseProviderJson(provider: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ProviderError(provider, 'answered with a body that is not JSON', { cause });
  }
}
