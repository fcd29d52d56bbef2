import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses, ErrorSchema } from '../auth/error-schema.ts';
import { accountWithPermission, requireSession, type ApiPrincipal } from '../auth/session.ts';
import { environmentConnectionsOf } from '../connections/environment.ts';
import {
  getConnection,
  listConnections,
  providerNamed,
  removeConnection,
  setConnection,
  type ConnectionContext,
} from '../connections/service.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notFound } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { PROVIDERS } from '../providers/registry.ts';

const PERMISSION = 'connections:manage';

export const ConnectionSchema = z
  .object({
    provider: z.enum(PROVIDERS.map((p) => p.id) as [string, ...string[]]),
    accountId: z.string(),
    source: z.enum(['environment', 'database']).openapi({
      description:
        '`environment`: the default account’s connection from HANDOFF_* variables (read-only here).',
    }),
    secrets: z
      .record(z.string(), z.object({ set: z.boolean(), fingerprint: z.string().nullable() }))
      .openapi({
        description:
          'Each secret field: whether it is set, and a short keyed fingerprint to tell values apart. Never the value.',
      }),
    settings: z.record(z.string(), z.unknown()),
    version: z.number().int().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi('Connection');

const ConnectionListSchema = z.object({ connections: z.array(ConnectionSchema) }).openapi('ConnectionList');

const ConnectionInputSchema = z.record(z.string(), z.unknown()).openapi('ConnectionInput', {
  description:
    'The connection’s fields (see README, "Several merchants"). OkePay: instance, secret, apiBase. 2Checkout: ' +
    'merchantCode, secretKey, hashAlgo, apiUrl, bindIp, defaultValidityTime, maxValidityTime, sendCustomerEmail. ' +
    'Paybis: apiKey, privateKeyPem, partnerId, apiUrl, widgetUrl, successReturnURL, failureReturnURL, ' +
    'allowedReturnOrigins, allowCryptoWalletAddress. Settings are replaced as given; a secret left out keeps ' +
    'its stored value.',
});

const AccountParams = z.object({
  accountId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'accountId', in: 'path' } }),
});
const ConnectionParams = AccountParams.extend({
  provider: z
    .string()
    .min(1)
    .max(50)
    .openapi({ param: { name: 'provider', in: 'path' }, description: 'okepay, 2checkout or paybis' }),
});

const notFoundResponse = {
  404: {
    description: 'Unknown provider, or no connection to it',
    content: { 'application/json': { schema: ErrorSchema } },
  },
};
const conflictResponse = {
  409: {
    description: 'The default account’s connection comes from the environment',
    content: { 'application/json': { schema: ErrorSchema } },
  },
};
const unavailableResponse = {
  503: {
    description: 'No encryption key is configured, or a stored secret cannot be read with it',
    content: { 'application/json': { schema: ErrorSchema } },
  },
};

/**
 * `/v1/accounts/{accountId}/connections[/{provider}]`: an account's provider connections, for API
 * users with `connections:manage` in that account. Secrets are write-only; every change is
 * audited with the names of the fields given, never their values.
 */
export function registerConnectionRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const context: ConnectionContext = {
    store: deps.store.connections,
    webhookEndpoints: deps.store.webhookEndpoints,
    keyring: deps.config.encryption,
    environment: environmentConnectionsOf(deps.config),
  };
  const common = {
    tags: ['connections'],
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps, PERMISSION),
  };
  /** The account, if the caller manages connections there; 403 alike for foreign and unknown accounts. */
  const accountOf = (principal: ApiPrincipal, accountId: string) =>
    accountWithPermission(principal, accountId, PERMISSION).account.id;

  const audit = (
    c: Parameters<typeof clientIp>[0],
    principal: ApiPrincipal,
    entry: { action: string; accountId: string; provider: string; detail: string },
  ) =>
    deps.store.audit.record({
      ...entry,
      outcome: 'success',
      userId: principal.user.id,
      clientIp: clientIp(c, deps.config.trustProxy),
    });

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/accounts/{accountId}/connections',
      summary: 'List the account’s provider connections (never their secrets)',
      request: { params: AccountParams },
      responses: {
        200: {
          description: 'The connections',
          content: { 'application/json': { schema: ConnectionListSchema } },
        },
        ...errorResponses(401, 403),
        ...unavailableResponse,
      },
    }),
    async (c) => {
      const accountId = accountOf(c.get('apiPrincipal'), c.req.valid('param').accountId);
      c.header('Cache-Control', 'no-store');
      return c.json({ connections: await listConnections(context, accountId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/accounts/{accountId}/connections/{provider}',
      summary: 'Read one provider connection (which secrets are set, never their values)',
      request: { params: ConnectionParams },
      responses: {
        200: { description: 'The connection', content: { 'application/json': { schema: ConnectionSchema } } },
        ...errorResponses(401, 403),
        ...notFoundResponse,
        ...unavailableResponse,
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const accountId = accountOf(c.get('apiPrincipal'), params.accountId);
      const provider = providerNamed(params.provider);
      const found = await getConnection(context, accountId, provider);
      if (!found) throw notFound(`Account "${accountId}" has no ${provider.displayName} connection.`);
      c.header('Cache-Control', 'no-store');
      return c.json(found, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'put',
      path: '/v1/accounts/{accountId}/connections/{provider}',
      summary: 'Set a provider connection (secrets are encrypted at rest and never shown again)',
      request: {
        params: ConnectionParams,
        body: { required: true, content: { 'application/json': { schema: ConnectionInputSchema } } },
      },
      responses: {
        200: {
          description: 'The connection as stored',
          content: { 'application/json': { schema: ConnectionSchema } },
        },
        ...errorResponses(400, 401, 403),
        ...notFoundResponse,
        ...conflictResponse,
        ...unavailableResponse,
      },
    }),
    async (c) => {
      const principal = c.get('apiPrincipal');
      const params = c.req.valid('param');
      const accountId = accountOf(principal, params.accountId);
      const provider = providerNamed(params.provider);
      const { view, fields } = await setConnection(context, accountId, provider, c.req.valid('json'));
      await audit(c, principal, {
        action: 'connection.set',
        accountId,
        provider: provider.id,
        detail: `fields: ${fields.join(', ')}`,
      });
      c.header('Cache-Control', 'no-store');
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/accounts/{accountId}/connections/{provider}',
      summary: 'Remove a provider connection',
      request: { params: ConnectionParams },
      responses: {
        200: {
          description: 'Removed',
          content: { 'application/json': { schema: z.object({ removed: z.literal(true) }) } },
        },
        ...errorResponses(401, 403),
        ...notFoundResponse,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const principal = c.get('apiPrincipal');
      const params = c.req.valid('param');
      const accountId = accountOf(principal, params.accountId);
      const provider = providerNamed(params.provider);
      if (!(await removeConnection(context, accountId, provider))) {
        throw notFound(`Account "${accountId}" has no ${provider.displayName} connection.`);
      }
      await audit(c, principal, {
        action: 'connection.remove',
        accountId,
        provider: provider.id,
        detail: 'removed',
      });
      return c.json({ removed: true as const }, 200);
    },
  );
}
