import type { MiddlewareHandler } from 'hono';

/** Every answer is JSON: it may load nothing, and no page may frame it. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The headers every answer carries, also those written outside the app (see `client-errors.ts`). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * The headers hono's `secureHeaders` does not set, on every response, errors included: a strict
 * CSP for JSON and `Cache-Control: no-store` (set before the handler answers). Nothing the backend
 * answers is meant to be cached: every route either authenticates or answers what may change.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('Cache-Control', 'no-store');
    await next();
  };
}
