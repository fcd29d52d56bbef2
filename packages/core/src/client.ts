import {
  HandoffAbortError,
  HandoffAuthError,
  HandoffError,
  HandoffNetworkError,
  type HandoffErrorCode,
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
 * obtained, a function that returns one (called before every request, so it may refresh), the
 * URL of the host app's own endpoint that mints one (`tokenFromUrl`: serializable, so a React
 * Server Component can pass it), or the host app's own cookies when the backend is mounted in the
 * host app (embedded mode).
 */
export type HandoffAuth =
  | { token: string }
  | { getToken: () => string | Promise<string> }
  | { tokenUrl: string }
  | { credentials: 'include' };

/** A token fetched from `tokenUrl` is fetched again this long before it expires. */
const TOKEN_RENEW_MARGIN_MS = 30_000;

/**
 * A `getToken` over the host app's own endpoint, which answers the signed-in customer's
 * `{ token, expiresAt }` (as `POST /v1/customer-sessions` does) to a GET with the page's cookies.
 * The token is kept until 30 s before it expires, so prefetched links stay usable, and one
 * request serves every caller waiting for it.
 *
 * @example
 * const getToken = tokenFromUrl('/api/handoff-token');
 */
export function tokenFromUrl(tokenUrl: string, fetchImpl?: typeof fetch): () => Promise<string> {
  let kept: { value: string; usableUntil: number } | undefined;
  let promise: Promise<string> | undefined;
  // A refusal answers `{error}`, not a token: the client then reports "no customer token", and
  // the next call asks again (an unreadable expiry keeps nothing either).
  return () =>
    kept && Date.now() < kept.usableUntil
      ? Promise.resolve(kept.value)
      : (promise ??= (fetchImpl ?? fetch)(tokenUrl, { credentials: 'same-origin', cache: 'no-store' })
          .then((response) => response.json())
          .then(({ token, expiresAt }: { token: string; expiresAt: string }) => {
            kept = { value: token, usableUntil: Date.parse(expiresAt) - TOKEN_RENEW_MARGIN_MS };
            return token;
          })
          .finally(() => (promise = undefined)));
}

export interface HandoffClientOptions {
  /** Where the Handoff backend is mounted: an absolute http(s) URL or a path such as `/handoff`. */
  url: string;
  auth: HandoffAuth;
  /** Defaults to the global `fetch`; tests and special runtimes may pass their own. */
  fetch?: typeof fetch;
  /**
   * How long to wait for the backend before giving up with a `network_error`, so a backend that
   * accepts the connection but never answers cannot leave a button loading. Default 30 000 ms
   * (above the backend's own provider timeouts).
   */
  timeoutMs?: number;
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
  /**
   * Only with `getToken`, where one client serves whoever is signed in: resolves to whether
   * `answer` (one this client returned) was fetched with the token `getToken` returns now, that
   * is for the customer signed in now. A link fetched ahead is used only then. (With a fixed
   * `token` a new customer means a new client; with cookies the page cannot tell.)
   */
  isCurrent?: (answer: object) => Promise<boolean>;
}

/**
 * True for a string that starts with `http://` or `https://` (any case). Everything the client
 * navigates to or loads passes this check, so a compromised or misconfigured backend cannot make
 * the page run a `javascript:` or `data:` URL. A prefix test is enough for that: the scheme is
 * what precedes the first colon, and leading spaces or control characters are refused.
 */
export const isHttpUrl = (value: unknown): value is string =>
  typeof value === 'string' && /^https?:\/\//i.test(value);

/** A parsed JSON answer: any JSON value, read through optional chaining. */
type Body = { [key: string]: unknown } | null | undefined;

/** Says whether a successful answer has the shape the caller needs. */
type Shape = (body: Body) => unknown;

// Minimal checks: every URL the page may navigate to or load must be http(s).
const isLink: Shape = (body) => isHttpUrl(body?.url);
const isPaybisSession: Shape = (body) =>
  typeof body?.requestId === 'string' && isHttpUrl(body.widgetUrl) && isHttpUrl(body.scriptUrl);
const isMe: Shape = (body) => body?.customer && body.providers;

/** Development builds check the options and say what is wrong; production builds skip the words. */
function checkOptions({ url, auth }: Partial<HandoffClientOptions>): void {
  if (typeof url !== 'string' || !(isHttpUrl(url) || /^\/(?!\/)/.test(url))) {
    throw new TypeError(
      `Handoff: \`url\` must be an absolute http(s) URL or a path starting with "/", got ${JSON.stringify(url)}.`,
    );
  }
  const { token, getToken, tokenUrl, credentials } = (auth ?? {}) as Record<string, unknown>;
  if (
    [token, getToken, tokenUrl, credentials].filter((v) => v !== undefined).length !== 1 ||
    (token !== undefined && !(typeof token === 'string' && token)) ||
    (getToken !== undefined && typeof getToken !== 'function') ||
    (tokenUrl !== undefined && !(isHttpUrl(tokenUrl) || /^\/(?!\/)/.test(String(tokenUrl)))) ||
    (credentials !== undefined && credentials !== 'include')
  ) {
    throw new TypeError(
      'Handoff: pass exactly one of `token` (a non-empty string), `getToken` (a function), `tokenUrl` (an http(s) URL or a path starting with "/") or `credentials: "include"`.',
    );
  }
}

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
  const { token, tokenUrl, credentials, ...rest } = options.auth as Partial<
    { token: string } & { getToken: () => string | Promise<string> } & { tokenUrl: string } & {
      credentials: 'include';
    }
  >;
  const getToken = tokenUrl ? tokenFromUrl(tokenUrl, options.fetch) : rest.getToken;
  const base = options.url.replace(/\/+$/, '');
  // The token each answer was fetched with, for `isCurrent`.
  const fetchedWith = new WeakMap<object, unknown>();

  // One function for every route keeps the bundle small: the routes differ only in path, body and shape.
  const call = async <T>(
    path: string,
    body: object | undefined,
    shape: Shape,
    o?: RequestOptions,
  ): Promise<T> => {
    const signal = o?.signal;
    // The caller's signal and the deadline both abort the request. Combined by hand: where
    // AbortSignal.any is missing (Safari before 17.4) one of the two would otherwise be lost.
    const both = new AbortController();
    for (const s of [signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]) {
      const stop = () => both.abort(s!.reason);
      if (s?.aborted) stop();
      s?.addEventListener('abort', stop);
    }
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
    let value: unknown;
    if (!credentials) {
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
    let data: Body;
    let cause: unknown;
    try {
      response = await (options.fetch ?? fetch)(`${base}/v1/${path}`, {
        method: body && 'POST',
        headers,
        body: body && JSON.stringify(body),
        signal: both.signal,
        // Cross-origin cookies only in embedded mode: a token needs none (the default is same-origin).
        credentials,
      });
      data = (await response.json()) as Body;
    } catch (error) {
      // An already aborted signal makes fetch reject before anything is sent.
      if (signal?.aborted) throw new HandoffAbortError();
      cause = error;
    }
    const { ok, status } = response ?? ({} as Partial<Response>);
    if (ok && shape(data)) {
      fetchedWith.set(data!, value);
      return data as T;
    }
    const { code, message } = (data?.error ?? {}) as { code?: unknown; message?: unknown };
    // Unreachable, not JSON, or not the documented shape: one error for all three, with the cause.
    const network = ok || typeof code !== 'string' || typeof message !== 'string';
    throw new (
      network
        ? HandoffNetworkError
        : status === 401
          ? HandoffAuthError
          : status === 502 || status === 504
            ? HandoffProviderError
            : HandoffError
    )(
      network ? 'network_error' : (code as HandoffErrorCode),
      network ? `Handoff: no usable answer from /v1/${path}.` : (message as string),
      { cause, status },
    );
  };

  return {
    okepayLoginLink: (o) => call('okepay/login-link', {}, isLink, o),
    twocheckoutSso: (request, o) => call('2checkout/sso', request, isLink, o),
    paybisSession: (request, o) => call('paybis/session', request, isPaybisSession, o),
    me: (o) => call('me', undefined, isMe, o),
    isCurrent:
      getToken &&
      (async (answer) => {
        try {
          return (await getToken()) === fetchedWith.get(answer);
        } catch {
          // No customer now: the request that follows reports it.
          return false;
        }
      }),
  };
}
