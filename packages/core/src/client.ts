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
  typeof value === 'object' && value !== null;

type Shape = (body: Record<string, unknown>) => unknown;

// Minimal checks: every URL the page may navigate to or load must be http(s).
const isLink: Shape = (body) => isHttpUrl(body.url);
const isPaybisSession: Shape = (body) =>
  typeof body.requestId === 'string' && isHttpUrl(body.widgetUrl) && isHttpUrl(body.scriptUrl);
const isMe: Shape = (body) => isObject(body.customer) && isObject(body.providers);

/** Development builds check the options and say what is wrong; production builds skip the words. */
function checkOptions({ url, auth }: Partial<HandoffClientOptions>): void {
  if (typeof url !== 'string' || !(isHttpUrl(url) || /^\/(?!\/)/.test(url))) {
    throw new TypeError(
      `Handoff: \`url\` must be an absolute http(s) URL or a path starting with "/", got ${JSON.stringify(url)}.`,
    );
  }
  const given: Record<string, unknown> = isObject(auth) ? auth : {};
  const { token, getToken, credentials } = given;
  if (
    [token, getToken, credentials].filter((v) => v !== undefined).length !== 1 ||
    (token !== undefined && !(typeof token === 'string' && token)) ||
    (getToken !== undefined && typeof getToken !== 'function') ||
    (credentials !== undefined && credentials !== 'include')
  ) {
    throw new TypeError(
      'Handoff: pass exactly one of `token` (a non-empty string), `getToken` (a function) or `credentials: "include"`.',
    );
  }
}

type ErrorBodyLike = { error?: { code?: unknown; message?: unknown } } | null;

/**
 * Creates the client for one backend. In development the options are checked here, once, so a
 * wrong setup fails when the app starts rather than on the customer's first click.
 *
 * @example
 * const client = createHandoffClient({ url: 'https://pay.example.com', auth: { token } });
 * const { url } = await client.okepayLoginLink();
 */
export function createHandoffClient(options: HandoffClientOptions): HandoffClient {
  if (process.env.NODE_ENV !== 'production') checkOptions(options ?? {});
  const { token, getToken, credentials } = options.auth as Partial<
    { token: string } & { getToken: () => string | Promise<string> } & { credentials: 'include' }
  >;
  const base = options.url.replace(/\/+$/, '');

  async function call<T>(path: string, body: unknown, shape: Shape, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
    if (!credentials) {
      let value: unknown;
      try {
        value = token ?? (await getToken!());
      } catch (cause) {
        value = cause;
      }
      if (typeof value !== 'string' || !/^\S+$/.test(value)) {
        throw new HandoffAuthError('unauthorized', 'Handoff: no customer token.', { cause: value });
      }
      headers.Authorization = `Bearer ${value}`;
    }
    let response: Response | undefined;
    let data: ErrorBodyLike;
    try {
      if (signal?.aborted) throw signal.reason;
      response = await (options.fetch ?? fetch)(base + path, {
        method: body ? 'POST' : 'GET',
        headers,
        body: body ? JSON.stringify(body) : undefined,
        signal,
        // Cross-origin cookies only in embedded mode: a token needs none.
        credentials: credentials ?? 'same-origin',
      });
      data = (await response.json()) as ErrorBodyLike;
    } catch (cause) {
      throw signal?.aborted
        ? new HandoffAbortError()
        : new HandoffNetworkError('Handoff: the backend could not be reached or did not answer JSON.', {
            cause,
            status: response?.status,
          });
    }
    const { ok, status } = response;
    const error = data?.error;
    if (ok && isObject(data) && shape(data)) return data as T;
    if (ok || typeof error?.code !== 'string' || typeof error.message !== 'string') {
      throw new HandoffNetworkError(`Handoff: unexpected answer from ${path}.`, { status });
    }
    const Class =
      status === 401
        ? HandoffAuthError
        : status === 502 || status === 504
          ? HandoffProviderError
          : HandoffError;
    throw new Class(error.code as HandoffError['code'], error.message, { status });
  }

  return {
    okepayLoginLink: (o) => call('/v1/okepay/login-link', {}, isLink, o?.signal),
    twocheckoutSso: (request, o) => call('/v1/2checkout/sso', request, isLink, o?.signal),
    paybisSession: (request, o) => call('/v1/paybis/session', request, isPaybisSession, o?.signal),
    me: (o) => call('/v1/me', undefined, isMe, o?.signal),
  };
}
