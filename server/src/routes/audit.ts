import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses } from '../auth/error-schema.ts';
import { accountWithPermission, requireSession } from '../auth/session.ts';
import { isApiKeyId } from '../auth/tokens.ts';
import type { AppEnv, Deps } from '../context.ts';
import type { AuditEntry } from '../store/types.ts';

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    action: z.string(),
    outcome: z.enum(['success', 'failure']),
    accountId: z.string().nullable(),
    userId: z.number().int().nullable(),
    customerId: z.string().nullable(),
    provider: z.string().nullable(),
    clientIp: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .openapi('AuditEntry');

export const AuditPageSchema = z
  .object({
    entries: z.array(AuditEntrySchema),
    nextBefore: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Pass as `before` for the next (older) page; null on the last page.' }),
  })
  .openapi('AuditPage');

const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: 'Entry id; older entries only.' }),
  accountId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'One of your accounts; default: all.' }),
});

/** `GET /v1/audit`: the audit log of the caller's accounts (those where they hold `audit:read`), newest first. */
export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/audit',
    tags: ['audit'],
    summary: 'Read the audit log',
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps, 'audit:read'),
    request: { query: AuditQuerySchema },
    responses: {
      200: {
        description: 'One page of entries',
        content: { 'application/json': { schema: AuditPageSchema } },
      },
      ...errorResponses(400, 401, 403),
    },
  });

  app.openapi(route, async (c) => {
    const principal = c.get('apiPrincipal');
    const { limit, before, accountId } = c.req.valid('query');
    const accountIds =
      accountId !== undefined
        ? [accountWithPermission(principal, accountId, 'audit:read').account.id]
        : principal.memberships.filter((m) => m.permissions.includes('audit:read')).map((m) => m.account.id);
    const entries = await deps.store.audit.list({
      accountIds,
      limit,
      ...(before !== undefined ? { before } : {}),
    });
    // API key ids (a login's detail) are shown only to those who manage the account's keys.
    const managed = new Set(
      principal.memberships.filter((m) => m.permissions.includes('accounts:manage')).map((m) => m.account.id),
    );
    const shown = entries.map((entry): AuditEntry =>
      entry.detail !== null &&
      isApiKeyId(entry.detail) &&
      !(entry.accountId !== null && managed.has(entry.accountId))
        ? { ...entry, detail: null }
        : entry,
    );
    c.header('Cache-Control', 'no-store');
    const last = entries.at(-1);
    return c.json({ entries: shown, nextBefore: entries.length === limit && last ? last.id : null }, 200);
  });
}
