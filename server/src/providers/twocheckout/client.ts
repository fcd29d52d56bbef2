import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { TwoCheckoutAccessPage } from '@handoff/core';
import type { TwoCheckoutConfig } from '../../config.ts';
import { ProviderError, ProviderTimeoutError } from '../../errors.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { parseProviderJson, providerRequest } from '../http.ts';

const PROVIDER = '2Checkout';

/** 2Checkout sessions live 10 minutes; renewing a minute early keeps clock skew and slow calls harmless. */
export const SESSION_REUSE_MS = 9 * 60_000;

export interface TwoCheckoutSsoParams {
  subscriptionReference: string;
  /** The customer's email; 2Checkout checks it belongs to the subscription's customer. */
  email?: string;
  /** Seconds the URL stays valid. */
  validityTime: number;
  /** Absent: the myAccount home page. */
  accessPage?: TwoCheckoutAccessPage;
  /** When set, the URL only works from this IP address. */
  validationIp?: string | null;
}

export interface TwoCheckoutClient {
  /** A one-time myAccount single sign-on URL and when it stops working (ISO 8601). */
  singleSignOn(params: TwoCheckoutSsoParams): Promise<{ url: string; expiresAt: string }>;
}

export interface TwoCheckoutClientOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  now?: () => Date;
  /** Counts each provider call (outcome, duration). */
  metrics?: Metrics;
}

/** `YYYY-MM-DD HH:MM:SS` in GMT, the format `login` signs. */
export function gmtDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The `login` hash: hex HMAC of `byteLength(merchantCode) + merchantCode + byteLength(date) + date`
 * under the merchant's secret key (PROVIDERS.md §2).
 */
export function twoCheckoutLoginHash(
  algo: TwoCheckoutConfig['hashAlgo'],
  secretKey: string,
  merchantCode: string,
  date: string,
): string {
  const input = `${Buffer.byteLength(merchantCode, 'utf8')}${merchantCode}${Buffer.byteLength(date, 'utf8')}${date}`;
  return createHmac(algo, secretKey).update(input, 'utf8').digest('hex');
}

const RpcErrorSchema = z.object({ code: z.number(), message: z.string() });
const RpcResponseSchema = z.union([
  z.object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.number(), z.string(), z.null()]),
    error: RpcErrorSchema,
  }),
  z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.number(), z.string()]), result: z.unknown() }),
]);
const SessionIdSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/);
const SsoUrlSchema = z.url({ protocol: /^https?$/ }).max(4096);

/** The provider refused the request with a JSON-RPC error. */
export class TwoCheckoutRpcError extends ProviderError {
  override name = 'TwoCheckoutRpcError';
  constructor(
    readonly rpcCode: number,
    readonly rpcMessage: string,
  ) {
    super(PROVIDER, clean(rpcMessage));
  }
}

function clean(message: string): string {
  return (
    message
      .replace(/\p{Cc}+/gu, ' ')
      .trim()
      .slice(0, 200) || 'request refused'
  );
}

/**
 * A session that is unknown or expired on the provider's side. The sandbox answers code -32002
 * with a message starting `SESSION_EXPIRED`; the live API's wording is undocumented, so any
 * message about an expired or invalid session counts too.
 */
export function isSessionError(err: unknown): boolean {
  if (!(err instanceof TwoCheckoutRpcError)) return false;
  return (
    err.rpcCode === -32002 ||
    /SESSION_EXPIRED|session (?:has )?expired|(?:invalid|unknown|expired) session/i.test(err.rpcMessage)
  );
}

interface CachedSession {
  id: string;
  renewAt: number;
}

/**
 * The 2Checkout JSON-RPC 6.0 client. Logs in once and reuses the session until shortly before
 * it expires; concurrent callers share one in-flight login; a failed login is not remembered;
 * when the provider says the session is gone, it logs in again once and retries once.
 *
 * @example
 * const client = createTwoCheckoutClient(config.twocheckout, { fetch, timeoutMs: 10_000 });
 * const { url } = await client.singleSignOn({ subscriptionReference: 'SUB-1', validityTime: 30 });
 */
export function createTwoCheckoutClient(
  config: Pick<TwoCheckoutConfig, 'merchantCode' | 'secretKey' | 'hashAlgo' | 'apiUrl'>,
  { fetch, timeoutMs, now = () => new Date(), metrics }: TwoCheckoutClientOptions,
): TwoCheckoutClient {
  let nextId = 1;
  let session: CachedSession | null = null;
  let loggingIn: Promise<CachedSession> | null = null;

  /** What is left of `deadline` (a `performance.now()` time), or a 504 when nothing is. */
  function left(deadline: number): number {
    const ms = Math.ceil(deadline - performance.now());
    if (ms <= 0) throw new ProviderTimeoutError(PROVIDER, timeoutMs);
    return ms;
  }

  /**
   * Waits `ms` at most for `work`, then fails with a 504. The work itself goes on, for the
   * callers that still have time to wait for it.
   */
  function waitAtMost<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ProviderTimeoutError(PROVIDER, timeoutMs)), ms);
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  async function call(method: string, params: unknown[], deadline: number): Promise<unknown> {
    const id = nextId++;
    const options = { provider: PROVIDER, fetch, timeoutMs: left(deadline), metrics };
    let answer: { status: number; text: string };
    try {
      answer = await providerRequest(options, config.apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
      });
    } catch (err) {
      // The call had only what was left of the exchange's budget; the caller waited the whole of it.
      if (err instanceof ProviderTimeoutError) {
        throw new ProviderTimeoutError(PROVIDER, timeoutMs, { cause: err });
      }
      throw err;
    }
    const { status, text } = answer;
    const json = parseProviderJson(PROVIDER, text);
    const parsed = RpcResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new ProviderError(
        PROVIDER,
        status >= 200 && status < 300
          ? 'answered with an unexpected JSON-RPC body'
          : `answered HTTP ${status}`,
      );
    }
    const body = parsed.data;
    if ('error' in body) throw new TwoCheckoutRpcError(body.error.code, body.error.message);
    if (body.id !== id) throw new ProviderError(PROVIDER, 'answered a different JSON-RPC request id');
    if (status < 200 || status >= 300) throw new ProviderError(PROVIDER, `answered HTTP ${status}`);
    return body.result;
  }

  async function login(deadline: number): Promise<CachedSession> {
    const started = now().getTime();
    const date = gmtDate(new Date(started));
    const hash = twoCheckoutLoginHash(config.hashAlgo, config.secretKey, config.merchantCode, date);
    // MD5 is the protocol's default; the other algorithms are named as a fourth parameter.
    const params =
      config.hashAlgo === 'md5'
        ? [config.merchantCode, date, hash]
        : [config.merchantCode, date, hash, config.hashAlgo];
    const result = await call('login', params, deadline);
    const id = SessionIdSchema.safeParse(result);
    if (!id.success) throw new ProviderError(PROVIDER, 'login answered without a usable session id');
    return { id: id.data, renewAt: started + SESSION_REUSE_MS };
  }

  /**
   * The live session, logging in when there is none. One login is shared by all waiting callers,
   * so it runs to its own deadline rather than that of whichever caller started it; each caller
   * waits for it only until its own deadline.
   */
  function currentSession(deadline: number): Promise<CachedSession> {
    if (session && now().getTime() < session.renewAt) return Promise.resolve(session);
    // Checked first, so a caller that is already out of time starts no login.
    const ms = left(deadline);
    loggingIn ??= login(performance.now() + timeoutMs).then(
      (fresh) => {
        session = fresh;
        loggingIn = null;
        return fresh;
      },
      (err: unknown) => {
        loggingIn = null;
        throw err;
      },
    );
    return waitAtMost(loggingIn, ms);
  }

  async function getSingleSignOn(
    sessionId: string,
    p: TwoCheckoutSsoParams,
    deadline: number,
  ): Promise<string> {
    const result = await call(
      'getSingleSignOn',
      [
        sessionId,
        p.subscriptionReference,
        p.email ?? null,
        p.validityTime,
        p.accessPage ?? null,
        p.validationIp ?? null,
      ],
      deadline,
    );
    const url = SsoUrlSchema.safeParse(result);
    if (!url.success) throw new ProviderError(PROVIDER, 'getSingleSignOn answered without a usable URL');
    return url.data;
  }

  return {
    async singleSignOn(params) {
      if (!Number.isSafeInteger(params.validityTime) || params.validityTime <= 0) {
        throw new TypeError('validityTime must be a positive integer number of seconds');
      }
      // The provider's clock starts when it issues the URL, which is after this moment.
      const issuedAt = now().getTime();
      // One deadline for the whole exchange (login, single sign-on, and the one re-login and
      // retry), so a caller waits at most the provider timeout rather than one per call.
      const deadline = performance.now() + timeoutMs;
      const first = await currentSession(deadline);
      let url: string;
      try {
        url = await getSingleSignOn(first.id, params, deadline);
      } catch (err) {
        if (!isSessionError(err)) throw err;
        // Forget the dead session unless a concurrent caller already replaced it.
        if (session === first) session = null;
        const second = await currentSession(deadline);
        url = await getSingleSignOn(second.id, params, deadline);
      }
      return { url, expiresAt: new Date(issuedAt + params.validityTime * 1000).toISOString() };
    },
  };
}
