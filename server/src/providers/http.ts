import { ProviderError, ProviderTimeoutError } from '../errors.ts';

export interface ProviderHttpOptions {
  /** Display name used in error messages: `OkePay`, `2Checkout`, `Paybis`. */
  provider: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/**
 * One outbound provider call with a hard timeout. Network failures become ProviderError (502),
 * timeouts ProviderTimeoutError (504); the caller reads and judges the response body.
 */
export async function providerRequest(
  { provider, fetch, timeoutMs }: ProviderHttpOptions,
  url: string,
  init: RequestInit,
): Promise<{ status: number; text: string; headers: Headers }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal, redirect: 'error' });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers };
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
