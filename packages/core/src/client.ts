import {
  HandoffAbortError,
  HandoffAuthError,
  HandoffError,
  HandoffNetworkError,
  HandoffProviderError,
} from './errors.ts';
import type {
  LinkResponse,
  MeResponse,
  PaybisSessionRequest,
  PaybisSessionResponse,
  TwoCheckoutSsoRequest,
} from './wire.ts';

/**
 * How the browser proves which customer it is: a customer token (`hc_…`) the host app's server
 * obtained, a function that returns one (called before every request, so it may refresh), or
 * the host app's own cookies when the backend is mounted in the host app (embedded mode).
 */
export type HandoffAuth =
  { token: string } | { getToken: () => string | Promise<string> } | { credentials: 'include' };

export interface HandoffClientOptions {
  /** Where the Handoff backend is mounted: an absolute http(s) URL or a path such as `/handoff`. */
  url: string;
  auth: HandoffAuth;
  /** Defaults to the global `fetch`; tests and special runtimes may pass their own. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** The typed client for the backend's customer routes. Every failure rejects with a `HandoffError`. */
export interface HandoffClient {
  /** `POST /v1/okepay/login-link`: a one-time link into the OkePay portal. */
  okepayLoginLink(options?: RequestOptions): Promise<LinkResponse>;
  /** `POST /v1/2checkout/sso`: a single sign-on link into 2Checkout myAccount. */
  twocheckoutSso(request: TwoCheckoutSsoRequest, options?: RequestOptions): Promise<LinkResponse>;
  /** `POST /v1/paybis/session`: what the Paybis widget needs to open, logged in when possible. */
  paybisSession(request: PaybisSessionRequest, options?: RequestOptions): Promise<PaybisSessionResponse>;
  /** `GET /v1/me`: which providers and subscriptions the customer can open. */
  me(options?: RequestOptions): Promise<MeResponse>;
}

/**
 * True for an absolute `http:` or `https:` URL. Everything the client navigates to passes this
 * check, so a compromised or misconfigured backend cannot make the page run a `javascript:` URL.
 */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isString = (value: unknown): value is string => typeof value === 'string';

const optional = (value: unknown, check: (v: unknown) => boolean): boolean =>
  value === undefined || check(value);

type Shape<T> = (body: unknown) => body is T;

const isLink: Shape<LinkResponse> = (body): body is LinkResponse =>
  isObject(body) && isHttpUrl(body.url) && isString(body.expiresAt);

const isPaybisSession: Shape<PaybisSessionResponse> = (body): body is PaybisSessionResponse =>
  isObject(body) &&
  isString(body.requestId) &&
  isHttpUrl(body.widgetUrl) &&
  isHttpUrl(body.scriptUrl) &&
  optional(body.oneTimeToken, isString) &&
  optional(body.expiresAt, isString);

const isMe: Shape<MeResponse> = (body): body is MeResponse =>
  isObject(body) && isObject(body.customer) && isString(body.customer.id) && isObject(body.providers);

/**
 * Creates the client for one backend. Options are checked here, once, so a wrong setup fails
 * when the app starts rather than on the customer's first click.
 *
 * @example
 * const client = createHandoffClient({ url: 'https://pay.example.com', auth: { token } });
 * const { url } = await client.okepayLoginLink();
 */
export function createHandoffClient(options: HandoffClientOptions): HandoffClient {
  const { url, auth } = options ?? ({} as HandoffClientOptions);
  if (!isString(url) || !(isHttpUrl(url) || /^\/(?!\/)/.test(url))) {
    throw new TypeError(
      `Handoff: \`url\` must be an absolute http(s) URL or a path starting with "/", got ${JSON.stringify(url)}.`,
    );
  }
  const given: unknown = auth;
  const modes = isObject(given)
    ? ['token', 'getToken', 'credentials'].filter((k) => given[k] !== undefined)
    : [];
  const valid =
    modes.length === 1 &&
    isObject(given) &&
    (modes[0] === 'token'
      ? isString(given.token) && given.token.length > 0
      : modes[0] === 'getToken'
        ? typeof given.getToken === 'function'
        : given.credentials === 'include');
  if (!valid) {
    throw new TypeError(
      'Handoff: pass exactly one of `token` (a non-empty string), `getToken` (a function) or `credentials: "include"`.',
    );
  }
  const base = url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    shape: Shape<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if ('getToken' in auth || 'token' in auth) {
      let token: unknown;
      try {
        token = 'token' in auth ? auth.token : await auth.getToken();
      } catch (cause) {
        throw new HandoffAuthError('unauthorized', 'Handoff: `getToken` failed.', { cause });
      }
      if (!isString(token) || !/^\S+$/.test(token)) {
        throw new HandoffAuthError('unauthorized', 'Handoff: `getToken` did not return a token.');
      }
      headers.Authorization = `Bearer ${token}`;
    }
    const aborted = (cause: unknown) =>
      signal?.aborted || (cause instanceof Error && cause.name === 'AbortError');

    let response: Response | undefined;
    let data: unknown;
    try {
      if (signal?.aborted) throw new HandoffAbortError();
      response = await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        // Cross-origin cookies only in embedded mode: a token needs none.
        credentials: 'credentials' in auth ? 'include' : 'same-origin',
      });
      data = await response.json();
    } catch (cause) {
      if (cause instanceof HandoffError) throw cause;
      if (aborted(cause)) throw new HandoffAbortError();
      const status = response?.status;
      throw new HandoffNetworkError(
        status === undefined
          ? 'The Handoff backend could not be reached.'
          : `The Handoff backend answered ${status} without JSON.`,
        { cause, status },
      );
    }
    const { status, ok } = response;
    if (ok) {
      if (shape(data)) return data;
      throw new HandoffNetworkError(`The Handoff backend answered ${path} in an unexpected shape.`, {
        status,
      });
    }
    const error = isObject(data) && isObject(data.error) ? data.error : undefined;
    if (!error || !isString(error.code) || !isString(error.message)) {
      throw new HandoffNetworkError(`The Handoff backend answered ${status} without an error body.`, {
        status,
      });
    }
    const code = error.code as HandoffError['code'];
    const Class =
      status === 401
        ? HandoffAuthError
        : status === 502 || status === 504
          ? HandoffProviderError
          : HandoffError;
    throw new Class(code, error.message, { status });
  }

  return {
    okepayLoginLink: (o) => call('POST', '/v1/okepay/login-link', {}, isLink, o?.signal),
    twocheckoutSso: (request, o) => call('POST', '/v1/2checkout/sso', request, isLink, o?.signal),
    paybisSession: (request, o) => call('POST', '/v1/paybis/session', request, isPaybisSession, o?.signal),
    me: (o) => call('GET', '/v1/me', undefined, isMe, o?.signal),
  };
}
