import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses, ErrorSchema } from '../auth/error-schema.ts';
import { accountWithPermission, requireSession } from '../auth/session.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notFound } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { webhookPath } from '../webhooks/token.ts';

const PERMISSION = 'connections:manage';
const WEBHOOK_PROVIDERS = ['okepay', '2checkout', 'paybis'] as const;

const WebhookTokenSchema = z
  .object({
    provider: z.enum(WEBHOOK_PROVIDERS),
    token: z.string().openapi({ description: 'Shown once; only its hash is stored.' }),
    path: z
      .string()
      .openapi({ description: 'Append to the backend’s public URL and paste into the provider.' }),
    createdAt: z.string(),
  })
  .openapi('WebhookToken');

const WebhookListSchema = z
  .object({
    webhooks: z.array(
      z.object({
        provider: z.enum(WEBHOOK_PROVIDERS),
        path: z.string().openapi({ description: 'The path with the secret token left out: `…/{token}`.' }),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi('WebhookList');

const AccountParams = z.object({
  accountId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'accountId', in: 'path' } }),
});

/**
 * Each connection's webhook URL: `POST …/webhook-token` makes (or replaces) the unguessable token
 * and shows it once; the list shows which connections have one, without the token.
 */
export function registerWebhookTokenRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const common = {
    tags: ['webhooks'],
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps, PERMISSION),
  };

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/accounts/{accountId}/connections/{provider}/webhook-token',
      summary: 'Make or rotate the webhook URL of a connection (the old URL stops working)',
      request: {
        params: AccountParams.extend({
          provider: z.enum(WEBHOOK_PROVIDERS).openapi({ param: { name: 'provider', in: 'path' } }),
        }),
        body: {
          content: { 'application/json': { schema: z.object({}).strict().openapi('WebhookTokenRequest') } },
          required: false,
          description: 'Empty, or `{}`.',
        },
      },
      responses: {
        201: {
          description: 'The new token and path, shown once',
          content: { 'application/json': { schema: WebhookTokenSchema } },
        },
        ...errorResponses(400, 401, 403),
        404: { description: 'No account', content: { 'application/json': { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const principal = c.get('apiPrincipal');
      const accountId = accountWithPermission(principal, params.accountId, PERMISSION).account.id;
      if (!(await deps.store.accounts.get(accountId))) throw notFound('No such account.');
      const { token, createdAt } = await deps.store.webhookEndpoints.rotate(accountId, params.provider);
      await deps.store.audit.record({
        action: 'webhook_token.rotate',
        outcome: 'success',
        accountId,
        provider: params.provider,
        userId: principal.user.id,
        clientIp: clientIp(c, deps.config.trustProxy),
      });
      c.header('Cache-Control', 'no-store');
      return c.json(
        { provider: params.provider, token, path: webhookPath(params.provider, token), createdAt },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/accounts/{accountId}/webhooks',
      summary: 'Which connections have a webhook URL (never the token)',
      request: { params: AccountParams },
      responses: {
        200: {
          description: 'The webhook URLs',
          content: { 'application/json': { schema: WebhookListSchema } },
        },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const accountId = accountWithPermission(
        c.get('apiPrincipal'),
        c.req.valid('param').accountId,
        PERMISSION,
      ).account.id;
      const rows = await deps.store.webhookEndpoints.list(accountId);
      const webhooks = rows.flatMap((row) => {
        const provider = WEBHOOK_PROVIDERS.find((p) => p === row.provider);
        return provider
          ? [{ provider, path: webhookPath(provider, '{token}'), createdAt: row.createdAt }]
          : [];
      });
      c.header('Cache-Control', 'no-store');
      return c.json({ webhooks }, 200);
    },
  );
}
