import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { requireSession } from '../auth/session.ts';
import { isApiKeyId } from '../auth/tokens.ts';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError, unauthorized } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { admitAttempt, type Admission } from '../limits/attempts.ts';
import { sourceKey } from '../limits/source.ts';
import type { Membership } from '../store/types.ts';
import { errorResponses } from '../auth/error-schema.ts';

/** `POST /auth/login` request (the documented `ApiKeyLogin`). */
export const ApiKeyLoginSchema = z
  .strictObject({
    apiKey: z.string().min(1).max(200).openapi({ description: 'The API key to authenticate with' }),
    apiSecret: z.string().min(1).max(200).openapi({ description: 'The API secret to authenticate with' }),
  })
  .openapi('ApiKeyLogin');

export const AccountSchema = z
  .object({
    accountName: z.string().openapi({ description: 'Name of the account' }),
    accountId: z.string().openapi({ description: 'Unique identifier of the account' }),
    usersPrimaryAccount: z
      .boolean()
      .optional()
      .openapi({ description: "Whether this is the user's primary account" }),
    accountAdmin: z
      .boolean()
      .optional()
      .openapi({ description: 'Whether the user is an administrator of this account' }),
    id: z.string(),
    uniqueId: z.string().optional(),
    name: z.string(),
    repcode: z.string().optional(),
    customerServicePhone: z.string().optional().openapi({ description: 'Customer service phone number' }),
    customerServiceEmail: z.string().optional().openapi({ description: 'Customer service email address' }),
    whitelabelSettings: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'WhiteLabel Settings' }),
    permissions: z.array(z.string()).optional(),
    roles: z.array(z.string()).optional(),
  })
  .openapi('Account');

export const ApiKeyLoginResponseSchema = z
  .object({
    id: z.number().int().openapi({ description: 'User ID associated with the API key' }),
    email: z.string().openapi({ description: 'Email address associated with the user' }),
    createdBy: z.string().optional(),
    updatedBy: z.string().optional(),
    createdAt: z.iso.datetime().optional(),
    updatedAt: z.iso.datetime().optional(),
    primaryAccount: AccountSchema.optional().openapi({ description: "The user's primary account" }),
    accounts: z
      .array(AccountSchema)
      .optional()
      .openapi({ description: 'List of accounts the user belongs to' }),
    flatRolesList: z
      .array(z.string())
      .optional()
      .openapi({ description: 'List of role IDs assigned to the user' }),
    flatPermissionsList: z
      .array(z.string())
      .optional()
      .openapi({ description: 'List of permission IDs granted to the user' }),
    token: z.string().openapi({ description: 'Authentication token to use for subsequent API requests' }),
  })
  .openapi('ApiKeyLoginResponse');

export type AccountBody = z.infer<typeof AccountSchema>;
export type ApiKeyLoginResponse = z.infer<typeof ApiKeyLoginResponseSchema>;

/**
 * Failed logins allowed within the window: per API key from one source (an IPv4 address or an
 * IPv6 /64), and per source across keys.
 *
 * There is deliberately no limit per key across sources (OWASP ASVS 2.2.1 asks that anti-automation
 * does not become an account lockout): a stranger who knows a key id could then lock its owner out
 * from everywhere. It would buy nothing against guessing either: the secret is 256 random bits, so
 * no rate of guesses finds it; the limits are there to slow automation and bound its load, and
 * they only ever slow the source that guesses.
 */
export const LOGIN_FAILURE_LIMITS = { perKey: 5, perIp: 20, windowMs: 15 * 60 * 1000 } as const;

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Get auth session token',
  description: 'Get an API session token using an API key and secret.',
  request: { body: { required: true, content: { 'application/json': { schema: ApiKeyLoginSchema } } } },
  responses: {
    200: {
      description: 'Successfully logged in',
      content: { 'application/json': { schema: ApiKeyLoginResponseSchema } },
    },
    ...errorResponses(400, 401, 429),
  },
});

function accountBody(m: Membership): AccountBody {
  const a = m.account;
  return {
    accountName: a.accountName ?? a.name,
    accountId: a.id,
    usersPrimaryAccount: m.isPrimary,
    accountAdmin: m.roles.includes('admin'),
    id: a.id,
    ...(a.uniqueId !== null ? { uniqueId: a.uniqueId } : {}),
    name: a.name,
    ...(a.repcode !== null ? { repcode: a.repcode } : {}),
    ...(a.customerServicePhone !== null ? { customerServicePhone: a.customerServicePhone } : {}),
    ...(a.customerServiceEmail !== null ? { customerServiceEmail: a.customerServiceEmail } : {}),
    whitelabelSettings: a.whitelabelSettings,
    permissions: m.permissions,
    roles: m.roles,
  };
}

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const clock = () => deps.now().getTime();
  const perKey = { limit: LOGIN_FAILURE_LIMITS.perKey, windowMs: LOGIN_FAILURE_LIMITS.windowMs };
  const perSource = { limit: LOGIN_FAILURE_LIMITS.perIp, windowMs: LOGIN_FAILURE_LIMITS.windowMs };

  app.openapi(loginRoute, async (c) => {
    const { apiKey, apiSecret } = c.req.valid('json');
    const ip = clientIp(c, deps.config.trustProxy);
    const source = ip === null ? null : sourceKey(ip);
    // Without a known address (a runtime that does not expose it) there is no per-source bucket:
    // one shared bucket would let anyone lock everybody out.
    const sourceBucket = source === null ? null : `login:source:${source}`;
    // The key id's shape is checked here rather than in the schema, so a malformed id gets the
    // same 401 as a wrong secret and counts as a failure. Only well-formed ids get their own
    // bucket, so junk ids cannot grow the table.
    const wellFormed = isApiKeyId(apiKey);
    const keyBucket = `login:key:${wellFormed ? apiKey : 'malformed'}:source:${source ?? 'unknown'}`;

    // Each attempt counts against the limits before the look-up, so parallel guesses are refused
    // like sequential ones (see `admitAttempt`), and is taken back unless it fails.
    const keyTurn = await admitAttempt(deps.store.rateLimits, keyBucket, perKey, clock);
    let sourceTurn: Admission | null = null;
    if (keyTurn.admitted && sourceBucket !== null) {
      try {
        sourceTurn = await admitAttempt(deps.store.rateLimits, sourceBucket, perSource, clock);
      } catch (err) {
        await keyTurn.release();
        throw err;
      }
    }
    if (!keyTurn.admitted || sourceTurn?.admitted === false) {
      if (keyTurn.admitted) await keyTurn.release();
      const wait = Math.max(
        keyTurn.admitted ? 0 : keyTurn.retryAfter,
        sourceTurn?.admitted === false ? sourceTurn.retryAfter : 0,
      );
      await deps.store.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        clientIp: ip,
        detail: 'rate_limited',
      });
      throw new ApiError(429, 'rate_limited', 'Too many failed logins. Try again later.', {
        headers: { 'Retry-After': String(Math.max(1, wait)) },
      });
    }
    const turns = sourceTurn?.admitted ? [keyTurn, sourceTurn] : [keyTurn];
    const release = () => Promise.all(turns.map((turn) => turn.release()));

    let verified: Awaited<ReturnType<typeof deps.store.apiKeys.verify>>;
    let user: Awaited<ReturnType<typeof deps.store.users.get>>;
    try {
      verified = wellFormed ? await deps.store.apiKeys.verify(apiKey, apiSecret) : null;
      user = verified ? await deps.store.users.get(verified.userId) : null;
    } catch (err) {
      // A store failure says nothing about the credentials.
      await release().catch(() => undefined);
      throw err;
    }
    if (!verified || !user) {
      await Promise.all(turns.map((turn) => turn.fail()));
      await deps.store.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        clientIp: ip,
        detail: 'invalid_credentials',
      });
      // One answer for an unknown key, a wrong secret, and a revoked or expired key.
      throw unauthorized('Invalid API key or secret.');
    }
    await release();
    await deps.store.rateLimits.clear(keyBucket);

    const memberships = await deps.store.users.memberships(user.id);
    // A session never outlives the key it was opened with.
    const expiresAt = new Date(
      Math.min(
        deps.now().getTime() + deps.config.sessionTtlSeconds * 1000,
        verified.expiresAt === null ? Infinity : Date.parse(verified.expiresAt),
      ),
    );
    const session = await deps.store.sessions.create(user.id, { expiresAt, apiKeyId: verified.keyId });
    const primary = memberships.find((m) => m.isPrimary);
    await deps.store.audit.record({
      action: 'auth.login',
      outcome: 'success',
      accountId: primary?.account.id ?? null,
      userId: user.id,
      clientIp: ip,
      detail: verified.keyId,
    });

    const accounts = memberships.map(accountBody);
    const body: ApiKeyLoginResponse = {
      id: user.id,
      email: user.email,
      ...(user.createdBy !== null ? { createdBy: user.createdBy } : {}),
      ...(user.updatedBy !== null ? { updatedBy: user.updatedBy } : {}),
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
      ...(primary ? { primaryAccount: accountBody(primary) } : {}),
      accounts,
      flatRolesList: [...new Set(memberships.flatMap((m) => m.roles))].sort(),
      flatPermissionsList: [...new Set(memberships.flatMap((m) => m.permissions))].sort(),
      token: session.token,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body, 200);
  });

  const logoutRoute = createRoute({
    method: 'post',
    path: '/auth/logout',
    tags: ['auth'],
    summary: 'Revoke the session token',
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps),
    responses: {
      204: { description: 'The session token is revoked' },
      ...errorResponses(401),
    },
  });

  app.openapi(logoutRoute, async (c) => {
    const principal = c.get('apiPrincipal');
    await deps.store.sessions.revoke(principal.token);
    await deps.store.audit.record({
      action: 'auth.logout',
      outcome: 'success',
      accountId: principal.memberships.find((m) => m.isPrimary)?.account.id ?? null,
      userId: principal.user.id,
      clientIp: clientIp(c, deps.config.trustProxy),
    });
    return c.body(null, 204);
  });
}
