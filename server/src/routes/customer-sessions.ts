import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { CustomerIdentity, CustomerSessionRequest, CustomerSessionResponse } from '@handoff/core';
import { errorResponses } from '../auth/error-schema.ts';
import {
  hashIdempotencyKey,
  idempotencySecrets,
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_WINDOW_MS,
  openToken,
  requestFingerprint,
  sealToken,
} from '../auth/idempotency.ts';
import { accountWithPermission, requireSession } from '../auth/session.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { chargeMinting } from '../limits/minting-quota.ts';

/** 2Checkout subscription references: letters, digits, dash and underscore. */
const SUBSCRIPTION_REFERENCE = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * No control characters in ids that end up in logs, audit entries and provider requests, and no
 * lone UTF-16 surrogates: PostgreSQL stores those as U+FFFD, so two different ids would become one
 * (and share that customer's Paybis account).
 */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

/** OkePay contact ids are 32-bit signed integers: a larger one is refused here, not at the click. */
export const OKEPAY_MAX_CONTACT_ID = 2 ** 31 - 1;

export const CustomerIdentitySchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(200)
      .regex(PRINTABLE, 'must be well-formed text without control characters')
      .openapi({
        description: "The host app's own id for this customer.",
      }),
    email: z.email().max(254).optional(),
    emailVerified: z
      .boolean()
      .optional()
      .openapi({
        description:
          'true when your app has verified that the customer owns `email`: provider ids are then looked up ' +
          "in the account's customer directory (fed by the providers' webhooks) each time they are used.",
      }),
    okepayContactId: z
      .number()
      .int()
      .positive()
      .max(OKEPAY_MAX_CONTACT_ID)
      .optional()
      .openapi({ description: 'OkePay contact id (from the subscription webhook).' }),
    twocheckoutSubscriptions: z
      .array(z.string().regex(SUBSCRIPTION_REFERENCE, 'must be 1-64 letters, digits, "-" or "_"'))
      .max(50)
      .optional()
      .openapi({ description: '2Checkout subscription references this customer may manage.' }),
    paybis: z
      .boolean()
      .optional()
      .openapi({ description: 'Whether this customer may start the Paybis widget.' }),
  })
  .refine((customer) => customer.emailVerified !== true || customer.email !== undefined, {
    message: 'emailVerified needs the email it vouches for',
    path: ['emailVerified'],
  })
  .openapi('CustomerIdentity') satisfies z.ZodType<CustomerIdentity>;

/** Customer sessions live between one minute and one day. */
export const CUSTOMER_SESSION_TTL_BOUNDS = { min: 60, max: 24 * 3600 } as const;

export const CustomerSessionRequestSchema = z
  .strictObject({
    customer: CustomerIdentitySchema,
    ttlSeconds: z
      .number()
      .int()
      .min(CUSTOMER_SESSION_TTL_BOUNDS.min)
      .max(CUSTOMER_SESSION_TTL_BOUNDS.max)
      .optional()
      .openapi({ description: 'Lifetime in seconds (default: the server setting, 900).' }),
    accountId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Account to bind to; defaults to the API user's primary account." }),
  })
  .openapi('CustomerSessionRequest') satisfies z.ZodType<CustomerSessionRequest>;

export const CustomerSessionResponseSchema = z
  .object({
    token: z.string().openapi({ description: 'The customer token (hc_…) for the page.' }),
    expiresAt: z.iso.datetime(),
  })
  .openapi('CustomerSessionResponse') satisfies z.ZodType<CustomerSessionResponse>;

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY, 'must be 1-255 printable ASCII characters')
    .optional()
    .openapi({
      description:
        'Any unique value (a UUID): a retry with the same key and body within 24 hours answers the same ' +
        'session (same token, same expiresAt); the same key with another body is refused with 422.',
      example: '5f0c8a52-8a53-4d4e-9a5c-1f0f2b6f7f21',
    }),
});

export const RevokeCustomerSessionSchema = z
  .strictObject({ token: z.string().min(1).max(200).openapi({ description: 'The customer token (hc_…).' }) })
  .openapi('RevokeCustomerSession');

export const RevokeCustomerSessionResponseSchema = z
  .object({ revoked: z.boolean() })
  .openapi('RevokeCustomerSessionResponse');

/**
 * `POST /v1/customer-sessions`: the host app's server binds one of its customers to a short-lived
 * token and hands that token to its page.
 */
export function registerCustomerSessionRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const secrets = idempotencySecrets(deps.config.encryption);
  const route = createRoute({
    method: 'post',
    path: '/v1/customer-sessions',
    tags: ['customer sessions'],
    summary: 'Create a customer session',
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps, 'customer-sessions:create'),
    request: {
      headers: IdempotencyHeadersSchema,
      body: { required: true, content: { 'application/json': { schema: CustomerSessionRequestSchema } } },
    },
    responses: {
      201: {
        description:
          'The customer token and when it expires (the same again for a retry with the same Idempotency-Key, ' +
          'then with `Idempotent-Replayed: true`)',
        content: { 'application/json': { schema: CustomerSessionResponseSchema } },
      },
      ...errorResponses(400, 401, 403, 409, 422, 429),
    },
  });

  app.openapi(route, async (c) => {
    const principal = c.get('apiPrincipal');
    const body = c.req.valid('json');
    const membership = accountWithPermission(principal, body.accountId, 'customer-sessions:create');
    const idempotencyKey = c.req.valid('header')['idempotency-key'];
    const ttl = body.ttlSeconds ?? deps.config.customerSessionTtlSeconds;
    const create = async () => {
      await chargeMinting(deps, c, {
        accountId: membership.account.id,
        action: 'customer_session.create',
        userId: principal.user.id,
        customerId: body.customer.id,
      });
      // A customer token never outlives the API session (and so the API key) it was made with.
      const expiresAt = new Date(
        Math.min(deps.now().getTime() + ttl * 1000, Date.parse(principal.session.expiresAt)),
      );
      return deps.store.customerSessions.create({
        accountId: membership.account.id,
        customer: body.customer,
        expiresAt,
        createdBy: principal.user.id,
        apiKeyId: principal.session.apiKeyId,
        apiSessionHash: hashToken(principal.token),
      });
    };
    c.header('Cache-Control', 'no-store');

    let created: { token: string; sessionId: string; expiresAt: string };
    if (idempotencyKey === undefined) {
      created = await create();
    } else {
      const userId = principal.user.id;
      const keyHash = hashIdempotencyKey(idempotencyKey);
      const scope = String(userId);
      // The account the request resolved to is part of it: with `accountId` left out it is the
      // primary membership's, which may change; an answer made for one account is never replayed for another.
      const requestHash = requestFingerprint({ account: membership.account.id, body });
      const kept = await deps.store.idempotencyKeys.claim({
        userId,
        keyHash,
        requestHash,
        since: new Date(deps.now().getTime() - IDEMPOTENCY_WINDOW_MS),
      });
      if (kept) {
        if (kept.requestHash !== requestHash) {
          throw new ApiError(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key was used with a different request body; use a new key for a new request.',
          );
        }
        if (!kept.answer) {
          throw new ApiError(
            409,
            'idempotency_key_in_progress',
            'A request with this Idempotency-Key is still being answered; retry in a moment.',
            { headers: { 'Retry-After': '1' } },
          );
        }
        // Same key hash and user, yet it does not open: the server key that sealed it is gone.
        const token = openToken(kept.answer.sealedToken, idempotencyKey, scope, secrets.open);
        if (token === null) {
          throw new ApiError(
            409,
            'idempotency_key_unusable',
            'The answer kept for this Idempotency-Key can no longer be opened; use a new key for a new request.',
          );
        }
        await deps.store.audit.record({
          action: 'customer_session.replay',
          outcome: 'success',
          accountId: membership.account.id,
          userId,
          customerId: body.customer.id,
          clientIp: clientIp(c, deps.config.trustProxy),
          detail: kept.answer.sessionId,
        });
        c.header('Idempotent-Replayed', 'true');
        return c.json({ token, expiresAt: kept.answer.expiresAt }, 201);
      }
      try {
        created = await create();
        await deps.store.idempotencyKeys.complete({
          userId,
          keyHash,
          answer: {
            sessionId: created.sessionId,
            sealedToken: sealToken(created.token, idempotencyKey, scope, secrets.seal),
            expiresAt: created.expiresAt,
          },
        });
      } catch (err) {
        await deps.store.idempotencyKeys.release({ userId, keyHash });
        throw err;
      }
    }
    await deps.store.audit.record({
      action: 'customer_session.create',
      outcome: 'success',
      accountId: membership.account.id,
      userId: principal.user.id,
      customerId: body.customer.id,
      clientIp: clientIp(c, deps.config.trustProxy),
      detail: created.sessionId,
    });
    return c.json({ token: created.token, expiresAt: created.expiresAt }, 201);
  });

  const revokeRoute = createRoute({
    method: 'post',
    path: '/v1/customer-sessions/revoke',
    tags: ['customer sessions'],
    summary: 'Revoke a customer token (e.g. when the customer signs out of the host app)',
    security: [{ sessionToken: [] }],
    middleware: requireSession(deps, 'customer-sessions:revoke'),
    request: {
      body: { required: true, content: { 'application/json': { schema: RevokeCustomerSessionSchema } } },
    },
    responses: {
      200: {
        description: 'Whether a live customer session of your accounts was revoked',
        content: { 'application/json': { schema: RevokeCustomerSessionResponseSchema } },
      },
      ...errorResponses(400, 401, 403),
    },
  });

  app.openapi(revokeRoute, async (c) => {
    const principal = c.get('apiPrincipal');
    const { token } = c.req.valid('json');
    // Only sessions of accounts where the caller may revoke; others look like unknown tokens.
    const accountIds = principal.memberships
      .filter((m) => m.permissions.includes('customer-sessions:revoke'))
      .map((m) => m.account.id);
    const revoked = await deps.store.customerSessions.revoke(token, { accountIds });
    await deps.store.audit.record({
      action: 'customer_session.revoke',
      outcome: revoked ? 'success' : 'failure',
      accountId: principal.memberships.find((m) => m.isPrimary)?.account.id ?? null,
      userId: principal.user.id,
      clientIp: clientIp(c, deps.config.trustProxy),
      detail: revoked ? null : 'not_found',
    });
    return c.json({ revoked }, 200);
  });
}
