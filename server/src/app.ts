import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { HandoffConfig } from './config.ts';
import type { AppEnv, Deps, IdentifyCustomer } from './context.ts';
import { ApiError } from './errors.ts';
import { bodySizeRule, corsRules, jsonBodyRule, urlLengthRule } from './http/request-rules.ts';
import { securityHeaders } from './http/security-headers.ts';
import { storableTextRule } from './http/text-rules.ts';
import { guardedSecrets, redactSecrets } from './providers/redaction.ts';
import { storageUnavailable } from './store/unavailable.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { readinessCheck, type Readiness } from './observability/readiness.ts';
import { requestLog } from './observability/request-log.ts';
import { registerOperationsRoutes } from './observability/routes.ts';
import type { Store } from './store/types.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCustomerSessionRoutes } from './routes/customer-sessions.ts';
import { registerConnectionRoutes } from './routes/connections.ts';
import { registerMeRoutes } from './routes/me.ts';
import { createConnectionResolver } from './connections/resolver.ts';
import { environmentConnectionsOf, environmentSecrets } from './connections/environment.ts';
import { PROVIDERS } from './providers/registry.ts';
import { registerWebhookTokenRoutes } from './routes/webhook-tokens.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';

export interface HandoffOptions {
  config: HandoffConfig;
  store: Store;
  /** Embedded mode: identify the customer from the host app's own session. */
  identify?: IdentifyCustomer;
  logger?: Logger;
  /** Outbound HTTP to the providers; defaults to the global fetch. */
  fetch?: typeof fetch;
  now?: () => Date;
  /** Where requests and provider calls are counted; default: a registry of this app's own. */
  metrics?: Metrics;
  /** `GET /readyz`; default: the store's database answers and is migrated. */
  readiness?: () => Promise<Readiness>;
}

/** Request bodies are small JSON documents; anything larger is refused before it is read. */
const MAX_BODY_BYTES = 16 * 1024;
/** No route takes a long URL; a longer one is refused (414) before it is parsed further. */
const MAX_URL_BYTES = 4 * 1024;

/**
 * Builds the Handoff backend as a Web-standard app: `app.fetch(request)` anywhere, or
 * `serve()` from `@handoff/server/node`.
 *
 * @example
 * const app = createHandoff({ config: loadConfig(), store: await openStore(config) });
 * serve({ fetch: app.fetch, port: 8787 });
 */
export function createHandoff(options: HandoffOptions): OpenAPIHono<AppEnv> {
  const { config } = options;
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      secrets: [
        ...environmentSecrets(config),
        ...(config.webhookToken !== null ? [config.webhookToken] : []),
      ],
    });
  const outbound = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics();
  const deps: Deps = {
    config,
    store: options.store,
    logger,
    fetch: outbound,
    now,
    identify: options.identify,
    metrics,
    connections: createConnectionResolver({
      store: options.store.connections,
      keyring: config.encryption,
      logger,
      clientOptions: { fetch: outbound, timeoutMs: config.providerTimeoutMs, now, metrics },
      environment: environmentConnectionsOf(config),
      providers: PROVIDERS,
    }),
  };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        throw new ApiError(400, 'bad_request', `${where}${issue?.message ?? 'invalid request'}`);
      }
    },
  });

  app.use('*', requestLog(deps));
  app.use('*', secureHeaders({ crossOriginResourcePolicy: false, xFrameOptions: 'DENY' }));
  app.use('*', securityHeaders());
  app.use('/v1/*', corsRules(config.corsOrigins));
  app.use('*', bodySizeRule(MAX_BODY_BYTES));
  // Providers choose their webhooks' encodings (forms, JSON); those routes check the type themselves.
  app.use('*', jsonBodyRule({ except: (path) => path.startsWith('/v1/webhooks/') }));
  app.use('*', urlLengthRule(MAX_URL_BYTES));
  app.use('*', storableTextRule());

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  registerOperationsRoutes(app, {
    readiness: options.readiness ?? readinessCheck(options.store),
    metrics: deps.metrics,
    metricsToken: config.metrics.token,
  });

  registerAuthRoutes(app, deps);
  registerCustomerSessionRoutes(app, deps);
  registerMeRoutes(app, deps);
  for (const provider of PROVIDERS) provider.registerRoutes(app, deps);
  registerConnectionRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerWebhookTokenRoutes(app, deps);
  registerWebhookRoutes(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Handoff',
      version: '0.1.0',
      description:
        'Signs provider requests so a signed-in customer lands on a hosted page already logged in.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionToken', {
    type: 'http',
    scheme: 'bearer',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'customerToken', {
    type: 'http',
    scheme: 'bearer',
  });

  app.notFound(() => {
    throw new ApiError(404, 'not_found', 'No such route.');
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      // A provider's message may echo a secret of the connection or the customer's auth key.
      const message = redactSecrets(err.message, guardedSecrets(c));
      if (err.status >= 500) {
        deps.logger.warn('request failed', { requestId: c.get('requestId'), code: err.code, message });
      }
      return c.json({ error: { code: err.code, message } }, err.status, err.headers);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 401 ? 'unauthorized' : status === 413 ? 'payload_too_large' : 'bad_request';
      return c.json({ error: { code, message: err.message || 'Bad request.' } }, status < 500 ? status : 400);
    }
    if (storageUnavailable(err)) {
      // A full disk, a read-only or locked database, a lost connection: retryable, and nothing
      // was half-written (every multi-row write is one transaction).
      deps.logger.error('storage unavailable', {
        requestId: c.get('requestId'),
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
      });
      return c.json(
        { error: { code: 'unavailable', message: 'The service is unavailable. Try again shortly.' } },
        503,
        { 'Retry-After': '5' },
      );
    }
    deps.logger.error('unexpected error', {
      requestId: c.get('requestId'),
      error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    });
    return c.json({ error: { code: 'internal', message: 'Internal error.' } }, 500);
  });

  return app;
}
