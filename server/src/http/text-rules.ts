import type { MiddlewareHandler } from 'hono';
import { badRequest } from '../errors.ts';

/**
 * Text that one database engine refuses or changes: NUL (PostgreSQL refuses it in text) and
 * unpaired UTF-16 surrogates (PostgreSQL stores U+FFFD, so two different values become one;
 * SQLite keeps them). Such text is refused at the edge with 400, so both engines see the same.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** In a `u` regular expression a surrogate pair is one code point: only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Every string in a parsed JSON value, keys too, at any depth (an explicit stack: no recursion limit to hide behind). */
function everyString(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (!isStorableText(value)) return false;
    } else if (Array.isArray(value)) {
      pending.push(...(value as unknown[]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (!isStorableText(key)) return false;
        pending.push(item);
      }
    }
  }
  return true;
}

/**
 * Refuses (400) a request whose path, query, JSON or form body carries text that is not storable alike
 * on both engines (see `isStorableText`). A body that does not parse is left to the route, which
 * refuses it in its own words.
 */
export function storableTextRule(): MiddlewareHandler {
  const refuse = () => {
    throw badRequest('Text must not contain NUL characters or unpaired UTF-16 surrogates.');
  };
  return async (c, next) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return refuse();
    }
    if (!isStorableText(path)) refuse();
    const url = c.req.url;
    if (url.includes('?')) {
      for (const [key, values] of Object.entries(c.req.queries())) {
        if (!isStorableText(key) || !values.every(isStorableText)) refuse();
      }
    }
    const type = c.req.header('content-type') ?? '';
    const method = c.req.method;
    if (
      (method === 'POST' || method === 'PUT' || method === 'DELETE') &&
      (JSON_TYPE.test(type) || FORM_TYPE.test(type))
    ) {
      // Read as bytes (hono caches them): the route still gets the exact bytes from
      // `c.req.arrayBuffer()` (a signed webhook needs them), and `c.req.json()` parses their text.
      // A body that is not UTF-8 is left to the route, which refuses it in its own words.
      const text = utf8Text(new Uint8Array(await c.req.arrayBuffer()));
      if (text !== null && JSON_TYPE.test(type)) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (!everyString(body)) refuse();
      } else if (text !== null) {
        // Webhooks come as forms too (2Checkout, OkePay's PHP post), where `%00` decodes to NUL.
        for (const [key, value] of new URLSearchParams(text)) {
          if (!isStorableText(key) || !isStorableText(value)) refuse();
        }
      }
    }
    await next();
  };
}
