import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MeResponse } from '@handoff/core';
import { requireCustomer } from '../auth/customer.ts';
import { errorResponses } from '../auth/error-schema.ts';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError } from '../errors.ts';
import { okepayProvider } from '../providers/okepay/index.ts';
import { paybisProvider } from '../providers/paybis/index.ts';
import type { ProviderDefinition } from '../providers/provider.ts';
import { twocheckoutProvider } from '../providers/twocheckout/index.ts';

export const MeResponseSchema = z
  .object({
    customer: z.object({ id: z.string(), email: z.string().optional() }),
    providers: z.object({
      okepay: z.boolean().openapi({
        description: 'OkePay is configured for the customer’s account and the customer has a contact id.',
      }),
      '2checkout': z
        .object({ subscriptionReferences: z.array(z.string()) })
        .nullable()
        .openapi({
          description:
            '2Checkout is configured for the customer’s account and the customer has subscriptions: their references.',
        }),
      paybis: z.object({ scriptUrl: z.string() }).nullable().openapi({
        description:
          'Paybis is configured for the customer’s account and allowed for this customer: the Web SDK script.',
      }),
    }),
  })
  .openapi('MeResponse') satisfies z.ZodType<MeResponse>;

/** `GET /v1/me`: what the signed-in customer can open, so components can render conditionally. */
export function registerMeRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/me',
    tags: ['customer'],
    summary: 'What the signed-in customer can open',
    security: [{ customerToken: [] }],
    middleware: requireCustomer(deps),
    responses: {
      200: {
        description: 'The customer and their providers',
        content: { 'application/json': { schema: MeResponseSchema } },
      },
      ...errorResponses(401),
    },
  });

  /** The account's connection, or null when it has none or it cannot be used (that is logged). */
  const connectionOf = async <Connection extends object, Client>(
    provider: ProviderDefinition<Connection, Client>,
    accountId: string,
  ) => {
    try {
      return await deps.connections.find(provider, accountId);
    } catch (err) {
      if (err instanceof ApiError) return null;
      throw err;
    }
  };

  app.openapi(route, async (c) => {
    const customer = c.get('customer');
    // Per account: what the customer's own account has connected.
    const [okepay, twocheckout, paybis] = await Promise.all([
      connectionOf(okepayProvider, customer.accountId),
      connectionOf(twocheckoutProvider, customer.accountId),
      connectionOf(paybisProvider, customer.accountId),
    ]);
    const references = customer.twocheckoutSubscriptions ?? [];
    const body: MeResponse = {
      customer: { id: customer.id, ...(customer.email !== undefined ? { email: customer.email } : {}) },
      providers: {
        okepay: okepay !== null && customer.okepayContactId !== undefined,
        '2checkout':
          twocheckout !== null && references.length > 0 ? { subscriptionReferences: references } : null,
        paybis:
          paybis !== null && customer.paybis === true
            ? { scriptUrl: `${paybis.connection.widgetUrl}/partner-exchange-widget.js` }
            : null,
      },
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body, 200);
  });
}
