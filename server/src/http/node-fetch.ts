import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A provider call's request, as the provider clients build it. */
export interface TextExchangeInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange (connect, send, answer read to the end) must finish within this. */
  timeoutMs: number;
}

/** A provider's answer: status and body text. Headers are not kept (no caller reads them). */
export interface TextExchangeResult {
  status: number;
  text: string;
}

export type TextExchange = (url: string, init: TextExchangeInit) => Promise<TextExchangeResult>;

/**
 * Where a `fetch` made by `createNodeFetch` keeps its text exchange: the same request without the
 * Web `Headers`, `Response`, body stream and `AbortSignal` a `fetch` call allocates, which the
 * provider clients use when they find it (see `providers/http.ts`).
 */
export const TEXT_EXCHANGE = Symbol.for('handoff.textExchange');

/** The exchange did not finish within `timeoutMs`. */
export class ExchangeTimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The text exchange behind a `fetch` from `createNodeFetch`, if it is one. */
export function textExchangeOf(fetchImpl: typeof fetch): TextExchange | undefined {
  return (fetchImpl as { [TEXT_EXCHANGE]?: TextExchange })[TEXT_EXCHANGE];
}

/**
 * A `fetch` for the backend's provider calls, on `node:http` with keep-alive agents.
 *
 * The global `fetch` (undici) is correct but costs several times more CPU per call for the
 * small request/response pairs providers exchange (it streams even a string body). Provider
 * calls are the backend's hot path, so `startServer` uses this instead; the app itself only
 * sees the standard `fetch` signature, and tests inject their own. The provider clients go one
 * step further through the attached text exchange (`TEXT_EXCHANGE`), which builds no Web objects.
 *
 * Supported: string, Uint8Array and URLSearchParams bodies, headers in any `HeadersInit` form,
 * an abort signal (timeouts), no redirects (a 3xx comes back as it is, and callers treat
 * anything but 2xx as a refusal).
 */
export function createNodeFetch(options: { maxSockets?: number } = {}): typeof fetch {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  const urls = new Map<string, URL>();

  /** Provider endpoints are a handful of fixed URLs: parse each once. */
  const parse = (input: string): URL => {
    let url = urls.get(input);
    if (url === undefined) {
      url = new URL(input);
      if (urls.size >= 32) urls.clear();
      urls.set(input, url);
    }
    return url;
  };

  /** Sends one request over an http(s) URL; `settle` gets the whole response or an error. */
  const send = (
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    settle: (err: Error | null, res?: IncomingMessage, chunks?: Buffer[]) => void,
  ) => {
    const secure = url.protocol === 'https:';
    if (body) headers['content-length'] = String(body.byteLength);
    const req = (secure ? httpsRequest : httpRequest)(url, { method, headers, agent: secure ? https : http });
    req.on('error', (err) => settle(err));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => settle(err));
      res.on('end', () => settle(null, res, chunks));
    });
    req.end(body);
    return req;
  };

  const exchange: TextExchange = (input, init) =>
    new Promise<TextExchangeResult>((resolve, reject) => {
      let url: URL;
      try {
        url = parse(input);
      } catch (err) {
        reject(err instanceof Error ? err : new TypeError(String(err)));
        return;
      }
      if (!isHttp(url)) {
        reject(new TypeError(`Unsupported protocol ${url.protocol}`));
        return;
      }
      let done = false;
      const headers: Record<string, string> = { ...init.headers };
      const req = send(
        url,
        init.method,
        headers,
        init.body === undefined ? undefined : Buffer.from(init.body, 'utf8'),
        (err, res, chunks) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (err) reject(err);
          else
            resolve({
              status: res!.statusCode ?? 502,
              text: (chunks!.length === 1 ? chunks![0]! : Buffer.concat(chunks!)).toString('utf8'),
            });
        },
      );
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        const timeout = new ExchangeTimeoutError(`No answer within ${init.timeoutMs} ms.`);
        req.destroy(timeout);
        reject(timeout);
      }, init.timeoutMs);
    });

  const nodeFetch: typeof fetch = (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      if (input instanceof Request) {
        reject(new TypeError('createNodeFetch takes a URL and init, not a Request.'));
        return;
      }
      const url = new URL(String(input));
      if (!isHttp(url)) {
        reject(new TypeError(`Unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }

      const body = encodeBody(init.body);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => (headers[key] = value));
      if (typeof init.body === 'object' && init.body instanceof URLSearchParams && !headers['content-type']) {
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      }

      let onAbort: (() => void) | undefined;
      const req = send(url, init.method ?? 'GET', headers, body, (err, res, chunks) => {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        if (err) {
          reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
          return;
        }
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res!.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
        }
        const status = res!.statusCode ?? 502;
        const nullBody = status === 204 || status === 205 || status === 304;
        resolve(new Response(nullBody ? null : Buffer.concat(chunks!), { status, headers: responseHeaders }));
      });
      if (signal) {
        onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });

  return Object.assign(nodeFetch, { [TEXT_EXCHANGE]: exchange });
}

const isHttp = (url: URL) => url.protocol === 'http:' || url.protocol === 'https:';

function encodeBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('createNodeFetch sends string, URLSearchParams and byte bodies only.');
}
