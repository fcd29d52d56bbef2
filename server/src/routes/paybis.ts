import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { PaybisSessionRequest, PaybisSessionResponse } from '@handoff/core';
import { requireCustomer } from '../auth/customer.ts';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError, forbidden } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { createPaybisClient, type PaybisApiRequest, type PaybisClient } from '../providers/paybis.ts';

/** Paybis documents a 15-minute lifetime for the oneTimeToken. */
export const PAYBIS_TOKEN_TTL_MS = 15 * 60 * 1000;

const currencyCode = z
  .string()
  .regex(/^[A-Z0-9-]{2,16}$/, 'must be an upper-case currency code such as "EUR", "BTC" or "USDT-TRC20"');

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const { protocol } = new URL(value);
      return protocol === 'https:' || protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const PaybisSessionRequestSchema = z
  .object({
    flow: z.enum(['buyCrypto', 'sellCrypto']).optional(),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'must be a language tag such as "en" or "en-US"')
      .optional(),
    cryptoWalletAddress: z
      .object({
        address: z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8 to 128 letters, digits or . _ : -'),
        currencyCode,
      })
      .strict()
      .optional(),
    currencyCodeFrom: currencyCode.optional(),
    currencyCodeTo: currencyCode.optional(),
    amount: z
      .string()
      .regex(/^(?=.*[1-9])\d{1,12}(\.\d{1,18})?$/, 'must be a positive decimal string such as "100.00"')
      .optional(),
    successReturnURL: httpUrl.optional(),
    failureReturnURL: httpUrl.optional(),
  })
  .strict()
  .openapi('PaybisSessionRequest') satisfies z.ZodType<PaybisSessionRequest>;

export const PaybisSessionResponseSchema = z
  .object({
    requestId: z.string(),
    oneTimeToken: z
      .string()
      .optional()
      .openapi({ description: 'Present when Paybis already knows the customer.' }),
    widgetUrl: z.string().openapi({ description: 'Direct-URL integration (new tab, redirect).' }),
    scriptUrl: z.string().openapi({ description: 'The Web SDK script (overlay, embedded).' }),
    expiresAt: z.string().optional().openapi({ description: 'When the oneTimeToken stops working.' }),
  })
  .openapi('PaybisSessionResponse') satisfies z.ZodType<PaybisSessionResponse>;

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/**
 * `POST /v1/paybis/session`: the customer's auth key (created once, then reused) plus a signed
 * passwordless request to Paybis, answered with what the browser needs to open the widget.
 */
export function registerPaybisRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  // Built once: a bad private key stops the app at start (ConfigError), not on the first click.
  const paybis: PaybisClient | null = deps.config.paybis
    ? createPaybisClient(deps.config.paybis, {
        fetch: deps.fetch,
        timeoutMs: deps.config.providerTimeoutMs,
        metrics: deps.metrics,
      })
    : null;
  const widgetBase = deps.config.paybis?.widgetUrl.replace(/\/+$/, '') ?? '';

  const route = createRoute({
    method: 'post',
    path: '/v1/paybis/session',
    tags: ['Paybis'],
    summary: 'Start a Paybis widget session for the signed-in customer',
    security: [{ customerToken: [] }],
    middleware: [requireCustomer(deps)] as const,
    request: {
      body: { content: { 'application/json': { schema: PaybisSessionRequestSchema } }, required: false },
    },
    responses: {
      200: {
        description: 'The widget can be opened (logged in at once when `oneTimeToken` is present).',
        content: { 'application/json': { schema: PaybisSessionResponseSchema } },
      },
      400: errorResponse('Invalid widget parameters.'),
      401: errorResponse('No signed-in customer.'),
      403: errorResponse('This customer may not use Paybis.'),
      502: errorResponse('Paybis refused the request.'),
      503: errorResponse('Paybis is not configured on this backend.'),
      504: errorResponse('Paybis did not answer in time.'),
    },
  });

  app.openapi(route, async (c) => {
    const customer = c.get('customer');
    if (customer.paybis !== true) throw forbidden('This customer may not use Paybis.');
    if (!paybis)
      throw new ApiError(503, 'provider_not_configured', 'Paybis is not configured on this backend.');
    const params = c.req.valid('json');

    const audit = {
      action: 'paybis.session',
      accountId: customer.accountId,
      customerId: customer.id,
      provider: 'paybis',
      clientIp: clientIp(c, deps.config.trustProxy),
    };

    let result: { requestId: string; oneTimeToken?: string };
    // Paybis starts the token's life when it issues it, during the call: date it from before.
    let issuedAt = 0;
    try {
      const { authKey } = await deps.store.paybisAuthKeys.getOrCreate(customer.accountId, customer.id);
      const body: PaybisApiRequest = {
        partnerUserId: authKey,
        passwordless: true,
        ...(customer.email ? { email: customer.email } : {}),
        ...(params.locale ? { locale: params.locale } : {}),
        ...(params.flow ? { flow: params.flow } : {}),
        ...(params.cryptoWalletAddress ? { cryptoWalletAddress: params.cryptoWalletAddress } : {}),
        ...(params.currencyCodeFrom ? { currencyCodeFrom: params.currencyCodeFrom } : {}),
        ...(params.currencyCodeTo ? { currencyCodeTo: params.currencyCodeTo } : {}),
        ...(params.amount ? { amount: params.amount } : {}),
      };
      issuedAt = deps.now().getTime();
      result = await paybis.createRequest(body);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'internal';
      await deps.store.audit
        .record({ ...audit, outcome: 'failure', detail: code })
        .catch((auditError: unknown) => {
          deps.logger.error('audit write failed', { action: audit.action, error: String(auditError) });
        });
      throw err;
    }

    // Only whether a token was issued is recorded; never the token, never the auth key.
    await deps.store.audit.record({
      ...audit,
      outcome: 'success',
      detail: result.oneTimeToken ? 'logged_in' : 'email_verification',
    });

    const query = new URLSearchParams({ requestId: result.requestId });
    if (result.oneTimeToken) query.set('oneTimeToken', result.oneTimeToken);
    if (params.successReturnURL) query.set('successReturnURL', params.successReturnURL);
    if (params.failureReturnURL) query.set('failureReturnURL', params.failureReturnURL);

    const response: PaybisSessionResponse = {
      requestId: result.requestId,
      widgetUrl: `${widgetBase}/?${query.toString()}`,
      scriptUrl: `${widgetBase}/partner-exchange-widget.js`,
      ...(result.oneTimeToken
        ? {
            oneTimeToken: result.oneTimeToken,
            expiresAt: new Date(issuedAt + PAYBIS_TOKEN_TTL_MS).toISOString(),
          }
        : {}),
    };
    c.header('Cache-Control', 'no-store');
    return c.json(response, 200);
  });
}
