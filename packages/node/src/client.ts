import { HandoffApiError, HandoffError, HandoffNetworkError, HandoffTimeoutError } from './errors.ts';
import type { CustomerIdentity, CustomerSession, CustomerSessionRequest, ErrorBody } from './wire.ts';

export interface HandoffClientOptions {
  /** The backend's base URL, e.g. `https://pay.example.com`. */
  url: string;
  /** An API key id (`hk_…`) and its secret, from `handoff keys create`. Keep them on the server. */
  apiKey: string;
  apiSecret: string;
  /** Deadline of each call, retries and login included; default 10 000 ms. */
  timeoutMs?: number;
  /** Further attempts after a network error, a 429 or a 5xx; default 2. */
  retries?: number;
  /**
   * Log in again this long after the last login, before the session expires; default 50 minutes
   * (the backend's sessions last an hour unless HANDOFF_SESSION_TTL says otherwise). A 401 also
   * makes the client log in again, once per call.
   */
  renewAfterMs?: number;
  /** The fetch to use; default: the global one. */
  fetch?: typeof fetch;
}

export interface CreateCustomerSessionOptions {
  /**
   * Makes retries safe: the backend answers the same session for the same key and body within 24
   * hours. Default: a new UUID per call, re-sent by this client's own retries.
   */
  idempotencyKey?: string;
  /** Lifetime of the customer token in seconds (60-86400); default: the backend's setting. */
  ttlSeconds?: number;
  /** Account to bind the customer to; default: the API user's primary account. */
  accountId?: string;
  /** Cancels the call. */
  signal?: AbortSignal;
}

export interface HandoffServerClient {
  readonly customerSessions: {
    /** Binds a customer to a short-lived token for the page: `{ token, expiresAt }`. */
    create(customer: CustomerIdentity, options?: CreateCustomerSessionOptions): Promise<CustomerSession>;
    /** Ends a customer token (at sign-out); `revoked` is false when it was unknown or already ended. */
    revoke(token: string, options?: { signal?: AbortSignal }): Promise<{ revoked: boolean }>;
  };
  /** Ends the API session this client holds, if any. */
  logout(): Promise<void>;
}

interface CallOptions {
  body: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** A call's deadline: the signal that fires at the end, and when that is. */
interface Deadline {
  signal: AbortSignal;
  endsAt: number;
}

interface ApiSession {
  token: string;
  renewAt: number;
}

/** Statuses worth another attempt: the request may succeed later unchanged. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** A 409 that only says "the first request with this idempotency key is still running". */
const IN_PROGRESS = 'idempotency_key_in_progress';
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 4000;

/**
 * The client the host app's server uses to talk to the Handoff backend: logs in with the API key,
 * keeps the session token fresh, creates and revokes customer sessions. Dependency-free, Node 20+.
 *
 * @example
 * const handoff = createHandoffClient({
 *   url: process.env.HANDOFF_URL!,
 *   apiKey: process.env.HANDOFF_API_KEY!,
 *   apiSecret: process.env.HANDOFF_API_SECRET!,
 * });
 * const { token, expiresAt } = await handoff.customerSessions.create({ id: user.id, email: user.email });
 */
export function createHandoffClient(options: HandoffClientOptions): HandoffServerClient {
  const base = parseBaseUrl(options.url);
  if (!options.apiKey || !options.apiSecret) {
    throw new TypeError('createHandoffClient: apiKey and apiSecret are required.');
  }
  const timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs');
  const retries = Math.floor(nonNegative(options.retries, 2, 'retries'));
  const renewAfterMs = positive(options.renewAfterMs, 50 * 60_000, 'renewAfterMs');
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));

  let session: ApiSession | undefined;
  let loggingIn: Promise<ApiSession> | undefined;

  const newDeadline = (): Deadline => ({
    signal: AbortSignal.timeout(timeoutMs),
    endsAt: Date.now() + timeoutMs,
  });

  /** One login at a time, shared by every call waiting for it (each within its own deadline). */
  function currentSession(signal: AbortSignal): Promise<ApiSession> {
    if (session && Date.now() < session.renewAt) return Promise.resolve(session);
    loggingIn ??= send(
      '/auth/login',
      { body: { apiKey: options.apiKey, apiSecret: options.apiSecret } },
      {
        deadline: newDeadline(),
      },
    )
      .then((body) => {
        const token = (body as { token?: unknown }).token;
        if (typeof token !== 'string')
          throw new HandoffError('The backend answered the login without a token.');
        return (session = { token, renewAt: Date.now() + renewAfterMs });
      })
      .finally(() => (loggingIn = undefined));
    return untilAborted(loggingIn, signal);
  }

  /**
   * One call with retries. `authenticated` calls carry the session token and log in again once on
   * a 401 (the session may have been revoked or expired early).
   */
  async function send(
    path: string,
    call: CallOptions,
    {
      deadline: { signal: deadline, endsAt },
      authenticated = false,
    }: { deadline: Deadline; authenticated?: boolean },
  ): Promise<unknown> {
    const signal = call.signal ? AbortSignal.any([deadline, call.signal]) : deadline;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      let token: string | undefined;
      try {
        token = authenticated ? (await currentSession(signal)).token : undefined;
      } catch (err) {
        throwIfAborted(deadline, call.signal, path);
        throw err;
      }
      let response: Response;
      try {
        response = await fetchImpl(`${base}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...call.headers,
          },
          body: JSON.stringify(call.body),
          signal,
        });
      } catch (err) {
        throwIfAborted(deadline, call.signal, path);
        if (attempt >= retries) {
          throw new HandoffNetworkError(`Handoff: ${path} could not reach the backend: ${describe(err)}`, {
            cause: err,
          });
        }
        await pause(backoff(attempt), signal, deadline, call.signal, path);
        continue;
      }

      if (response.ok) return readJson(response, path);
      const error = await apiError(response, path);
      if (response.status === 401 && authenticated && !renewed) {
        renewed = true;
        if (session?.token === token) session = undefined;
        attempt--;
        continue;
      }
      const retryable =
        RETRYABLE_STATUS.has(response.status) || (response.status === 409 && error.code === IN_PROGRESS);
      const wait = retryAfter(response) ?? backoff(attempt);
      // A wait that outlasts the deadline would only end in a timeout: the backend's answer says more.
      if (!retryable || attempt >= retries || Date.now() + wait >= endsAt) throw error;
      await pause(wait, signal, deadline, call.signal, path);
    }
  }

  return {
    customerSessions: {
      async create(customer, createOptions = {}) {
        const { idempotencyKey = crypto.randomUUID(), ttlSeconds, accountId, signal } = createOptions;
        const body: CustomerSessionRequest = {
          customer,
          ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
          ...(accountId !== undefined ? { accountId } : {}),
        };
        const result = await send(
          '/v1/customer-sessions',
          { body, headers: { 'idempotency-key': idempotencyKey }, signal },
          { deadline: newDeadline(), authenticated: true },
        );
        return result as CustomerSession;
      },
      async revoke(token, revokeOptions = {}) {
        const result = await send(
          '/v1/customer-sessions/revoke',
          { body: { token }, signal: revokeOptions.signal },
          { deadline: newDeadline(), authenticated: true },
        );
        return result as { revoked: boolean };
      },
    },
    async logout() {
      const ended = session;
      session = undefined;
      if (!ended) return;
      const response = await fetchImpl(`${base}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ended.token}` },
        signal: AbortSignal.timeout(timeoutMs),
      }).catch(() => undefined);
      await response?.body?.cancel();
    },
  };
}

function parseBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`createHandoffClient: url "${url}" is not an absolute URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`createHandoffClient: url must be http(s), not ${parsed.protocol}`);
  }
  return parsed.href.replace(/\/+$/, '');
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`createHandoffClient: ${name} must be > 0.`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`createHandoffClient: ${name} must be ≥ 0.`);
  return value;
}

/** Exponential backoff with full jitter: a random wait up to 250 ms, 500 ms, 1 s, … (at most 4 s). */
function backoff(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function throwIfAborted(deadline: AbortSignal, callerSignal: AbortSignal | undefined, path: string): void {
  if (callerSignal?.aborted) throw callerSignal.reason;
  if (deadline.aborted) throw new HandoffTimeoutError(`Handoff: ${path} did not answer in time.`);
}

function pause(
  ms: number,
  signal: AbortSignal,
  deadline: AbortSignal,
  callerSignal: AbortSignal | undefined,
  path: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      try {
        throwIfAborted(deadline, callerSignal, path);
      } catch (err) {
        reject(err);
      }
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

async function readJson(response: Response, path: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (err) {
    throw new HandoffError(`Handoff: ${path} answered ${response.status} with a body that is not JSON.`, {
      cause: err,
    });
  }
}

async function apiError(response: Response, path: string): Promise<HandoffApiError> {
  let body: Partial<ErrorBody> | undefined;
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${response.status}`;
  const message = typeof body?.error?.message === 'string' ? body.error.message : response.statusText;
  return new HandoffApiError(
    response.status,
    code,
    `Handoff: ${path}: ${message || `HTTP ${response.status}`}`,
  );
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
