import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { TWOCHECKOUT_ACCESS_PAGES, type LinkResponse, type TwoCheckoutSsoRequest } from '@handoff/core';
import { requireCustomer } from '../../auth/customer.ts';
import type { AppEnv, Deps } from '../../context.ts';
import { ApiError, badRequest, forbidden } from '../../errors.ts';
import { clientIp } from '../../http/client-ip.ts';
import { VALIDITY_TIME_BOUNDS } from './connection.ts';
import { twocheckoutProvider } from './index.ts';
import type { AuditEntryInput } from '../../store/types.ts';

export const TwoCheckoutSsoRequestSchema = z
  .object({
    subscriptionReference: z
      .string()
      .min(1)
      .max(128)
      .openapi({ description: "One of the signed-in customer's 2Checkout subscription references." }),
    accessPage: z
      .enum(TWOCHECKOUT_ACCESS_PAGES)
      .optional()
      .openapi({ description: 'The myAccount page to land on; absent: the myAccount home page.' }),
    validityTime: z
      .number()
      .int()
      .min(VALIDITY_TIME_BOUNDS.min)
      .max(VALIDITY_TIME_BOUNDS.max)
      .optional()
      .openapi({
        description:
          'Seconds the link stays valid (5 to 300); the account’s connection sets the default (30) and may allow less.',
      }),
  })
  .strict()
  .openapi('TwoCheckoutSsoRequest') satisfies z.ZodType<TwoCheckoutSsoRequest>;

export const TwoCheckoutSsoResponseSchema = z
  .object({
    url: z.string().openapi({ description: 'One-time myAccount single sign-on URL.' }),
    expiresAt: z.string().openapi({ description: 'When the URL stops working (ISO 8601).' }),
  })
  .openapi('TwoCheckoutSsoResponse') satisfies z.ZodType<LinkResponse>;

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/**
 * `POST /v1/2checkout/sso`: a myAccount single sign-on URL for one of the signed-in customer's
 * own subscriptions, through the merchant of the customer's account. The browser picks the
 * subscription, page and (within the connection's bounds) the lifetime; IP binding and whether
 * the customer's email is sent are the connection's.
 */
export function registerTwoCheckoutRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/2checkout/sso',
    tags: ['2Checkout'],
    summary: 'Single sign-on into 2Checkout myAccount for one of the customer’s subscriptions',
    security: [{ customerToken: [] }],
    middleware: [requireCustomer(deps)] as const,
    request: {
      body: { content: { 'application/json': { schema: TwoCheckoutSsoRequestSchema } }, required: true },
    },
    responses: {
      200: {
        description: 'Open `url` before `expiresAt`; it works once.',
        content: { 'application/json': { schema: TwoCheckoutSsoResponseSchema } },
      },
      400: errorResponse('Invalid request body.'),
      401: errorResponse('No signed-in customer.'),
      403: errorResponse('The subscription is not one of this customer’s.'),
      502: errorResponse('2Checkout refused the request.'),
      503: errorResponse('2Checkout is not configured for the customer’s account.'),
      504: errorResponse('2Checkout did not answer in time.'),
    },
  });

  app.openapi(route, async (c) => {
    const customer = c.get('customer');
    const { subscriptionReference, accessPage, validityTime: asked } = c.req.valid('json');
    const ip = clientIp(c, deps.config.trustProxy);
    const target = `${accessPage ?? 'home'} ${subscriptionReference}`;
    const audit: Omit<AuditEntryInput, 'outcome'> = {
      action: '2checkout.sso',
      accountId: customer.accountId,
      customerId: customer.id,
      provider: '2checkout',
      clientIp: ip,
    };
    const recordFailure = (code: string) =>
      deps.store.audit
        .record({ ...audit, outcome: 'failure', detail: `${code} ${target}` })
        .catch((error: unknown) => {
          deps.logger.error('audit write failed', { action: audit.action, error: String(error) });
        });

    // The same answer whether the subscription exists elsewhere or not at all.
    if (!(customer.twocheckoutSubscriptions ?? []).includes(subscriptionReference)) {
      await recordFailure('forbidden');
      throw forbidden('This subscription is not one of the signed-in customer’s.');
    }

    let link: LinkResponse;
    try {
      const { client, connection } = await deps.connections.resolve(twocheckoutProvider, customer.accountId);
      const validityTime = asked ?? connection.defaultValidityTime;
      if (validityTime > connection.maxValidityTime) {
        throw badRequest(`validityTime: at most ${connection.maxValidityTime} seconds for this account.`);
      }
      const bindIp = connection.bindIp;
      if (bindIp && !ip) {
        throw new ApiError(
          500,
          'internal',
          'The caller’s IP address is unknown, so the link cannot be bound to it (bindIp).',
        );
      }
      link = await client.singleSignOn({
        subscriptionReference,
        validityTime,
        // Off by default: 2Checkout refuses an email other than the one it holds for the subscription.
        ...(connection.sendCustomerEmail && customer.email ? { email: customer.email } : {}),
        ...(accessPage ? { accessPage } : {}),
        ...(bindIp ? { validationIp: ip } : {}),
      });
    } catch (err) {
      await recordFailure(err instanceof ApiError ? err.code : 'internal');
      throw err;
    }

    // Recorded before the link is handed out: no link leaves without its audit entry. Never the URL.
    await deps.store.audit.record({ ...audit, outcome: 'success', detail: target });
    c.header('Cache-Control', 'no-store');
    return c.json({ url: link.url, expiresAt: link.expiresAt }, 200);
  });
}
