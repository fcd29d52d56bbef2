import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.ts';

/**
 * The request rules every route shares (CORS, body size, JSON bodies), written so that the
 * common case reads nothing but headers.
 *
 * On Node, `@hono/node-server` hands the app a lightweight request that reads the body straight
 * from the socket when a handler asks for it. Touching `request.body` (as hono's `bodyLimit`
 * does) or `c.res` before the handler has answered (as hono's `cors` does) turns the request
 * into a Web `Request` over a Web stream and the answer into a streamed `Response`: about a
 * quarter of the backend's CPU per request. These middlewares decide from the headers instead,
 * and set their response headers before the handler answers.
 */

/**
 * CORS for the browser routes: the allowed origins get `Access-Control-Allow-Origin` (with
 * credentials), every answer varies by `Origin`, and preflights are answered here with 204.
 */
export function corsRules(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && allowed.has(origin)) c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Allow-Credentials', 'true');
    c.header('Vary', 'Origin', { append: true });
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Max-Age', '600');
      c.header('Access-Control-Allow-Methods', 'GET,POST,OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Authorization,Content-Type');
      c.header('Vary', 'Access-Control-Request-Headers', { append: true });
      return c.body(null, 204);
    }
    await next();
  };
}

/**
 * Refuses bodies over `maxBytes` (413) before they are read. A declared `Content-Length` is
 * checked as it is (Node's HTTP parser never delivers more than it says); a body without one
 * (chunked) is counted as it arrives.
 */
export function bodySizeRule(maxBytes: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new ApiError(413, 'payload_too_large', `Request bodies are limited to ${maxBytes} bytes.`);
  };
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const method = c.req.method;
    // GET and HEAD requests carry no body (a Web `Request` cannot have one).
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (parseInt(length, 10) > maxBytes) tooLarge();
      return next();
    }
    return streamed(c, next);
  };
}

/** Every route takes JSON: a request (POST, PUT, DELETE …) with a body of any other type is refused (415). */
export function jsonBodyRule(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && hasBody(c)) {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json.');
      }
    }
    await next();
  };
}

/**
 * Whether the request has a body, from its framing headers when it has them (HTTP/1.1: a
 * `Transfer-Encoding`, or a `Content-Length` other than 0), otherwise from the request itself
 * (a Web `Request` built in-process carries no framing headers).
 */
function hasBody(c: Context): boolean {
  if (c.req.header('transfer-encoding') !== undefined) return true;
  const length = c.req.header('content-length');
  if (length !== undefined) return length !== '0';
  return c.req.raw.body !== null;
}
