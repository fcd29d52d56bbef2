import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { LinkResponse, OkePayLoginLinkRequest } from '@handoff/core';
import { requireCustomer } from '../../auth/customer.ts';
import { ErrorSchema } from '../../auth/error-schema.ts';
import type { AppEnv, Deps } from '../../context.ts';
import { ApiError, forbidden } from '../../errors.ts';
import { clientIp } from '../../http/client-ip.ts';
import { okepayProvider } from './index.ts';
import type { AuditEntryInput } from '../../store/types.ts';

/** The customer comes from the session, so the body carries nothing; anything in it is refused. */
export const OkePayLoginLinkRequestSchema = z
  .object({})
  .strict()
  .openapi('OkePayLoginLinkRequest') satisfies z.ZodType<OkePayLoginLinkRequest>;

export const OkePayLoginLinkResponseSchema = z
  .object({
    url: z.string().openapi({ description: 'One-time link that logs the customer into the OkePay portal.' }),
    expiresAt: z.string().openapi({ description: 'Do not offer the link after this time (ISO 8601).' }),
  })
  .openapi('OkePayLoginLinkResponse') satisfies z.ZodType<LinkResponse>;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/**
 * `POST /v1/okepay/login-link`: a one-time OkePay portal link for the signed-in customer's own
 * contact id, which only the server knows (from the customer session or the embedded hook).
 */
export function registerOkePayRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/okepay/login-link',
    tags: ['OkePay'],
    summary: 'One-time login link into the OkePay customer portal',
    security: [{ customerToken: [] }],
    middleware: [requireCustomer(deps)] as const,
    request: {
      body: {
        content: { 'application/json': { schema: OkePayLoginLinkRequestSchema } },
        required: false,
        description: 'Empty, or `{}`.',
      },
    },
    responses: {
      200: {
        description: 'Open `url` before `expiresAt`; it works once.',
        content: { 'application/json': { schema: OkePayLoginLinkResponseSchema } },
      },
      400: errorResponse('The body is not empty or `{}`.'),
      401: errorResponse('No signed-in customer.'),
      403: errorResponse('The customer has no OkePay contact.'),
      502: errorResponse('OkePay refused the request or answered unusably.'),
      503: errorResponse('OkePay is not configured for the customer’s account.'),
      504: errorResponse('OkePay did not answer in time.'),
    },
  });

  app.openapi(route, async (c) => {
    const customer = c.get('customer');
    const audit: Omit<AuditEntryInput, 'outcome'> = {
      action: 'okepay.login_link',
      accountId: customer.accountId,
      customerId: customer.id,
      provider: 'okepay',
      clientIp: clientIp(c, deps.config.trustProxy),
    };
    const contactId = customer.okepayContactId;
    const target = contactId === undefined ? 'no contact' : `contact ${contactId}`;
    // A failed audit write must not hide the original failure from the caller.
    const recordFailure = (code: string) =>
      deps.store.audit
        .record({ ...audit, outcome: 'failure', detail: `${code} ${target}` })
        .catch((error: unknown) => {
          deps.logger.error('audit write failed', { action: audit.action, error: String(error) });
        });

    // The customer's own account's OkePay instance: a contact id means nothing in any other.
    let okepay;
    try {
      okepay = (await deps.connections.resolve(okepayProvider, customer.accountId)).client;
    } catch (err) {
      await recordFailure(err instanceof ApiError ? err.code : 'internal');
      throw err;
    }
    if (contactId === undefined || contactId === null) {
      await recordFailure('forbidden');
      throw forbidden('The signed-in customer has no OkePay contact.');
    }

    let link: LinkResponse;
    try {
      link = await okepay.createLoginLink(contactId);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'internal';
      await recordFailure(code);
      if (err instanceof TypeError) {
        // A contact id the provider cannot take is bad data bound on the server, not the caller's fault.
        throw new ApiError(500, 'internal', 'The customer’s OkePay contact id is not valid.', { cause: err });
      }
      throw err;
    }

    // Recorded before the link is handed out: no link leaves without its audit entry. Never the link.
    await deps.store.audit.record({ ...audit, outcome: 'success', detail: target });
    c.header('Cache-Control', 'no-store');
    return c.json({ url: link.url, expiresAt: link.expiresAt }, 200);
  });
}
