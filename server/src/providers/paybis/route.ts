import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { PaybisSessionRequest, PaybisSessionResponse } from '@handoff/core';
import { requireCustomer } from '../../auth/customer.ts';
import type { AppEnv, Deps } from '../../context.ts';
import { ApiError, badRequest, forbidden } from '../../errors.ts';
import { clientIp } from '../../http/client-ip.ts';
import type { PaybisApiRequest } from './client.ts';
import type { PaybisConnection } from './connection.ts';
import { paybisProvider } from './index.ts';

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
      400: errorResponse(
        'Invalid widget parameters, a return URL the account does not allow, or a wallet address it does not accept.',
      ),
      401: errorResponse('No signed-in customer.'),
      403: errorResponse('This customer may not use Paybis.'),
      502: errorResponse('Paybis refused the request.'),
      503: errorResponse('Paybis is not configured for the customer’s account.'),
      504: errorResponse('Paybis did not answer in time.'),
    },
  });

  app.openapi(route, async (c) => {
    const customer = c.get('customer');
    if (customer.paybis !== true) throw forbidden('This customer may not use Paybis.');
    const { client: paybis, connection } = await deps.connections.resolve(paybisProvider, customer.accountId);
    const params = c.req.valid('json');
    if (params.cryptoWalletAddress && !connection.allowCryptoWalletAddress) {
      throw badRequest('cryptoWalletAddress: this account does not accept a wallet address from the page.');
    }
    const successReturnURL = returnUrl(connection, 'successReturnURL', params.successReturnURL);
    const failureReturnURL = returnUrl(connection, 'failureReturnURL', params.failureReturnURL);
    const widgetBase = connection.widgetUrl;

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
    if (successReturnURL) query.set('successReturnURL', successReturnURL);
    if (failureReturnURL) query.set('failureReturnURL', failureReturnURL);

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

/**
 * Where the widget sends the customer back: the connection's own URL when it fixes one (a page
 * that passes another is refused), else the page's URL only when it is an https URL written
 * exactly under one of the connection's allowed origins. The text itself must start with that
 * origin, so no parser can read another host into it (`//evil`, `https://good@evil`,
 * backslashes, other case, ports, Unicode hosts); anything else is refused with a 400.
 */
export function returnUrl(
  connection: Pick<PaybisConnection, 'successReturnURL' | 'failureReturnURL' | 'allowedReturnOrigins'>,
  field: 'successReturnURL' | 'failureReturnURL',
  passed: string | undefined,
): string | undefined {
  const fixed = connection[field];
  if (fixed !== undefined) {
    if (passed !== undefined) {
      throw badRequest(`${field}: this account sets it on the server; leave it out.`);
    }
    return fixed;
  }
  if (passed === undefined) return undefined;
  const refused = badRequest(
    `${field}: must be an https URL under one of this account's allowed return origins.`,
  );
  if (connection.allowedReturnOrigins.length === 0 || /[\\\s\p{Cc}]/u.test(passed)) throw refused;
  let url: URL;
  try {
    url = new URL(passed);
  } catch {
    throw refused;
  }
  const allowed = connection.allowedReturnOrigins.find(
    (origin) => url.origin === origin && (passed === origin || passed.startsWith(`${origin}/`)),
  );
  if (!allowed || url.protocol !== 'https:' || url.username !== '' || url.password !== '') throw refused;
  return passed;
}
