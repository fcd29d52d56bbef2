import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { ApiPrincipal } from '../auth/session.ts';
import type { AppEnv } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

/** An incoming `X-Request-Id` is kept only when it cannot disturb a log line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Every path a route does not own shares one label, so junk URLs cannot grow the metrics. */
const UNMATCHED = 'unmatched';

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is a short safe token, else a
 * new UUID), returns it as `X-Request-Id`, counts the request in `metrics` and writes one line
 * for it: id, method, route pattern, status, duration and the account or API user when known.
 * Never the URL itself (a query string may carry anything), a header or a body.
 *
 * @example
 * app.use('*', requestLog({ logger, metrics }));
 */
export function requestLog({
  logger,
  metrics,
}: {
  logger: Logger;
  metrics: Metrics;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId =
      incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', requestId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    c.res.headers.set('X-Request-Id', requestId);

    const pattern = routePath(c, -1);
    const route = pattern === '' || pattern.endsWith('*') ? UNMATCHED : pattern;
    const method = c.req.method;
    const status = c.res.status;
    metrics.httpRequests.inc({ route, method, status });
    metrics.httpRequestDuration.observe({ route, method }, seconds);
    if (status === 429) metrics.rateLimitRefusals.inc({ route });

    const variables = c.var as Partial<AppEnv['Variables'] & { apiPrincipal: ApiPrincipal }>;
    logger.info('request', {
      requestId,
      method,
      route,
      status,
      durationMs: Math.round(seconds * 1e6) / 1000,
      ...(variables.customer ? { accountId: variables.customer.accountId } : {}),
      ...(variables.apiPrincipal ? { userId: variables.apiPrincipal.user.id } : {}),
    });
  };
}
