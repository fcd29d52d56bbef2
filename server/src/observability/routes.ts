import type { OpenAPIHono } from '@hono/zod-openapi';
import { bearerToken } from '../auth/session.ts';
import { hashToken, sameHash } from '../auth/tokens.ts';
import type { AppEnv } from '../context.ts';
import type { Metrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

/** The metrics in Prometheus' text format. */
export async function metricsResponse(metrics: Metrics): Promise<Response> {
  return new Response(await metrics.registry.metrics(), {
    headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
  });
}

/**
 * `GET /readyz` (200 when the database answers and is migrated, 503 otherwise) and, when a
 * token is set, `GET /metrics` for a scraper that sends it as `Authorization: Bearer`.
 *
 * @example
 * registerOperationsRoutes(app, { readiness: readinessCheck(store), metrics, metricsToken: null });
 */
export function registerOperationsRoutes(
  app: OpenAPIHono<AppEnv>,
  options: { readiness: () => Promise<Readiness>; metrics: Metrics; metricsToken: string | null },
): void {
  const { readiness, metrics, metricsToken } = options;

  app.get('/readyz', async (c) => {
    const state = await readiness();
    c.header('cache-control', 'no-store');
    if (state.ready) return c.json({ status: 'ready' });
    return c.json({ error: { code: 'not_ready', message: `Not ready: ${state.reason}.` } }, 503);
  });

  if (metricsToken === null) return;
  const expected = hashToken(metricsToken);
  app.get('/metrics', async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token === null || !sameHash(hashToken(token), expected)) {
      c.header('www-authenticate', 'Bearer');
      return c.json(
        {
          error: {
            code: 'unauthorized',
            message: 'The metrics token is required (Authorization: Bearer …).',
          },
        },
        401,
      );
    }
    return metricsResponse(metrics);
  });
}
