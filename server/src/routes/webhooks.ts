import { createHash } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ErrorSchema } from '../auth/error-schema.ts';
import type { AppEnv, Deps } from '../context.ts';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { consumeQuota } from '../limits/attempts.ts';
import { okepayProvider } from '../providers/okepay/index.ts';
import { connectionSecrets, guardedSecrets, guardSecrets, redactSecrets } from '../providers/redaction.ts';
import { twocheckoutProvider } from '../providers/twocheckout/index.ts';
import { sourceKey } from '../limits/source.ts';
import type { DirectoryChange } from '../store/types.ts';
import {
  agrees,
  OkePayWebhookError,
  readOkePayDelivery,
  readOkePayObject,
  verifyOkePaySignature,
} from '../webhooks/okepay.ts';
import { fetchOkePayObject } from '../webhooks/okepay-refetch.ts';
import { WEBHOOK_TOKEN_SHAPE } from '../webhooks/token.ts';
import { PaybisWebhookError, readPaybisEvent, verifyPaybisSignature } from '../webhooks/paybis.ts';
import {
  webhookTargets,
  type ResolveWebhookTarget,
  type WebhookProvider,
  type WebhookTarget,
} from '../webhooks/targets.ts';
import {
  parseForm,
  readReceipt,
  readTwoCheckoutNotification,
  TwoCheckoutWebhookError,
  verifyTwoCheckoutNotification,
} from '../webhooks/twocheckout.ts';

/**
 * Unknown webhook tokens allowed per source (IPv4 address or IPv6 /64) in a window: past it, the
 * source's guesses are answered 429 without a look-up or an audit entry, so unauthenticated
 * traffic cannot fill the audit log. Known tokens are never held back.
 */
export const WEBHOOK_TOKEN_FAILURE_LIMITS = { limit: 30, windowMs: 15 * 60 * 1000 } as const;

/** What one verified delivery did: its audit detail and the answer the provider expects. */
interface Outcome {
  detail: string;
  answer: (c: Context<AppEnv>) => Response;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const acknowledged = (c: Context<AppEnv>) => c.json({ received: true }, 200);

function decode(raw: Uint8Array): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw badRequest('The body is not UTF-8 text.');
  }
}

/** Verification and parse errors of the provider modules as API errors: 401 for signatures, 400 otherwise. */
function asApiError(err: unknown): unknown {
  if (
    err instanceof OkePayWebhookError ||
    err instanceof TwoCheckoutWebhookError ||
    err instanceof PaybisWebhookError
  ) {
    return err.reason === 'bad_signature'
      ? new ApiError(401, 'unauthorized', err.message)
      : new ApiError(400, 'bad_request', err.message);
  }
  return err;
}

/** The secret fields of the connection a webhook resolved to (Paybis's public key is not secret). */
function targetSecrets(found: WebhookTarget): string[] {
  switch (found.provider) {
    case 'okepay':
      return connectionSecrets(okepayProvider, found.okepay);
    case '2checkout':
      return connectionSecrets(twocheckoutProvider, found.twocheckout);
    case 'paybis':
      return [];
  }
}

/**
 * `/v1/webhooks/{provider}/{token}`: each provider's notifications, verified as strictly as the
 * provider allows, written to the account's customer directory (event and changes in one
 * transaction) before the 2xx, and audited whatever the outcome.
 */
export function registerWebhookRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: Deps,
  resolveTarget: ResolveWebhookTarget = webhookTargets(deps),
): void {
  const { store } = deps;

  function audit(
    c: Context<AppEnv>,
    provider: WebhookProvider,
    accountId: string | null,
    outcome: 'success' | 'failure',
    detail: string,
  ) {
    return store.audit
      .record({
        action: 'webhook.receive',
        outcome,
        accountId,
        provider,
        clientIp: clientIp(c, deps.config.trustProxy),
        detail,
      })
      .catch((err: unknown) => deps.logger.error('audit failed', { error: String(err) }));
  }

  async function target(c: Context<AppEnv>, provider: WebhookProvider): Promise<WebhookTarget> {
    const token = c.req.param('token') ?? '';
    const found = WEBHOOK_TOKEN_SHAPE.test(token) ? await resolveTarget(provider, token) : null;
    if (found === null) {
      const ip = clientIp(c, deps.config.trustProxy);
      if (ip !== null) {
        const quota = await consumeQuota(
          store.rateLimits,
          `webhook-token:${sourceKey(ip)}`,
          WEBHOOK_TOKEN_FAILURE_LIMITS,
          () => deps.now().getTime(),
        );
        if (!quota.allowed) {
          throw new ApiError(429, 'rate_limited', 'Too many requests with unknown tokens. Try again later.', {
            headers: { 'Retry-After': String(quota.retryAfter) },
          });
        }
      }
      await audit(c, provider, null, 'failure', 'unknown_token');
      // The same answer as any unknown route: nothing tells a prober the path exists.
      throw notFound('No such route.');
    }
    return found;
  }

  function receive(
    provider: WebhookProvider,
    ingest: (c: Context<AppEnv>, target: WebhookTarget, raw: Uint8Array) => Promise<Outcome>,
  ) {
    return async (c: Context<AppEnv>) => {
      const found = await target(c, provider);
      // The URL token and the connection's secrets never reach an answer, a log line or the audit.
      guardSecrets(c, [c.req.param('token'), ...targetSecrets(found)]);
      try {
        const raw = new Uint8Array(await c.req.arrayBuffer());
        const outcome = await ingest(c, found, raw);
        await audit(c, provider, found.accountId, 'success', outcome.detail);
        c.header('Cache-Control', 'no-store');
        return outcome.answer(c);
      } catch (err) {
        const error = asApiError(err);
        const detail =
          error instanceof ApiError
            ? redactSecrets(`${error.code}: ${error.message}`, guardedSecrets(c)).slice(0, 200)
            : 'internal';
        await audit(c, provider, found.accountId, 'failure', detail);
        throw error;
      }
    };
  }

  const ingestEvent = (
    accountId: string,
    provider: WebhookProvider,
    eventKey: string,
    changes: DirectoryChange[],
  ) => store.customerDirectory.ingest({ accountId, provider, eventKey, changes });

  app.post(
    '/v1/webhooks/okepay/:token',
    receive('okepay', async (c, found, raw) => {
      if (found.provider !== 'okepay') throw new Error('webhook target of another provider');
      const { webhookSigningKey } = found.okepay;
      if (webhookSigningKey !== undefined)
        verifyOkePaySignature(webhookSigningKey, raw, c.req.header('x-webhook-signature'));
      const delivery = readOkePayDelivery(c.req.header('content-type') ?? '', decode(raw));
      // Payrexx does not sign webhooks: only what its signed API says is recorded.
      const object = await fetchOkePayObject(found.okepay, delivery.kind, delivery.id, {
        fetch: deps.fetch,
        timeoutMs: deps.config.providerTimeoutMs,
      });
      const fact = readOkePayObject(delivery.kind, object);
      if (fact === null) {
        // Nothing about a contact (a transaction without one): acknowledged, nothing to record.
        return { detail: `${delivery.kind} ${delivery.id}: no contact`, answer: acknowledged };
      }
      if (!agrees(delivery.claimed, fact)) {
        throw new ApiError(
          409,
          'conflict',
          `The webhook disagrees with OkePay's own record of ${delivery.kind} ${delivery.id}.`,
        );
      }
      const eventKey = sha256(JSON.stringify([delivery.kind, delivery.id, fact]));
      const result = await ingestEvent(found.accountId, 'okepay', eventKey, [
        { kind: 'okepay_contact', ...fact, eventAt: deps.now().toISOString() },
      ]);
      return { detail: `${delivery.kind} ${delivery.id}: ${result}`, answer: acknowledged };
    }),
  );

  app.get('/v1/webhooks/2checkout/:token', async (c) => {
    await target(c, '2checkout');
    // 2Checkout checks a new LCN URL with a GET before it sends anything.
    return c.text('OK', 200);
  });

  app.post(
    '/v1/webhooks/2checkout/:token',
    receive('2checkout', async (c, found, raw) => {
      if (found.provider !== '2checkout') throw new Error('webhook target of another provider');
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'Send the notification as application/x-www-form-urlencoded.',
        );
      }
      const fields = parseForm(decode(raw));
      const { secretKey, hashAlgo } = found.twocheckout;
      verifyTwoCheckoutNotification(fields, secretKey, hashAlgo);
      const notification = readTwoCheckoutNotification(fields);
      const result = await ingestEvent(
        found.accountId,
        '2checkout',
        sha256(raw),
        notification.subscriptions.map((s) => ({
          kind: 'twocheckout_subscription',
          ...s,
          eventAt: notification.occurredAt,
        })),
      );
      const receipt = readReceipt(notification.kind, fields, secretKey, hashAlgo, deps.now());
      return {
        detail:
          `${notification.kind} ${notification.subscriptions.map((s) => s.reference).join(',')}: ${result}`.slice(
            0,
            200,
          ),
        answer: (context) => context.text(receipt, 200),
      };
    }),
  );

  app.post(
    '/v1/webhooks/paybis/:token',
    receive('paybis', async (c, found, raw) => {
      if (found.provider !== 'paybis') throw new Error('webhook target of another provider');
      if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
        throw new ApiError(415, 'unsupported_media_type', 'Send the webhook as application/json.');
      }
      if (found.publicKey !== null)
        verifyPaybisSignature(found.publicKey, raw, c.req.header('x-request-signature'));
      const event = readPaybisEvent(decode(raw));
      if ('ignored' in event) return { detail: `ignored ${event.ignored}`, answer: acknowledged };
      const result = await ingestEvent(found.accountId, 'paybis', sha256(raw), [
        {
          kind: 'paybis_verification',
          authKey: event.authKey,
          status: event.status,
          eventAt: event.occurredAt ?? deps.now().toISOString(),
        },
      ]);
      return { detail: `verification ${event.status}: ${result}`, answer: acknowledged };
    }),
  );

  describeWebhookRoutes(app);
}

/** The OpenAPI description of the webhook endpoints (their bodies are read raw, so they are documented apart). */
function describeWebhookRoutes(app: OpenAPIHono<AppEnv>): void {
  const token = z.string().openapi({
    param: { name: 'token', in: 'path' },
    description: 'The secret webhook token of the connection (shown once when set or rotated).',
  });
  const errors = {
    400: { description: 'Malformed body', content: { 'application/json': { schema: ErrorSchema } } },
    401: {
      description: 'Wrong or missing signature',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    404: { description: 'Unknown token', content: { 'application/json': { schema: ErrorSchema } } },
    413: { description: 'Body too large', content: { 'application/json': { schema: ErrorSchema } } },
    429: {
      description: 'Too many unknown tokens from this source; see Retry-After',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  };
  const received = {
    description: 'Recorded (or recognised as a retry)',
    content: { 'application/json': { schema: z.object({ received: z.literal(true) }) } },
  };
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/okepay/{token}',
    tags: ['webhooks'],
    summary: 'OkePay (Payrexx) transaction and subscription webhooks',
    description:
      'Paste this URL as a webhook in the OkePay instance, "Normal (PHP-Post)" or JSON. Nothing in the ' +
      'delivery is trusted: the transaction or subscription is fetched again through the signed API and ' +
      'its contact id, email and subscription status are recorded. With a signing key configured, ' +
      '`X-Webhook-Signature` (hex HMAC-SHA256 of the body) is required.',
    request: { params: z.object({ token }) },
    responses: {
      200: received,
      ...errors,
      415: {
        description: 'Neither a form post nor JSON',
        content: { 'application/json': { schema: ErrorSchema } },
      },
      409: {
        description: 'OkePay does not confirm the delivery (unknown object, or it disagrees)',
        content: { 'application/json': { schema: ErrorSchema } },
      },
      502: {
        description: 'OkePay refused or failed the re-fetch; retry later',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/2checkout/{token}',
    tags: ['webhooks'],
    summary: '2Checkout IPN and LCN notifications',
    description:
      'Paste this URL as the IPN and the LCN URL in the 2Checkout control panel. The signature the ' +
      "connection's algorithm names (`HASH`, `SIGNATURE_SHA2_256` or `SIGNATURE_SHA3_256`) is checked " +
      'over the fields as received; the answer is the read receipt 2Checkout expects.',
    request: { params: z.object({ token }) },
    responses: {
      200: { description: 'The read receipt', content: { 'text/plain': { schema: z.string() } } },
      ...errors,
      415: { description: 'Not form-encoded', content: { 'application/json': { schema: ErrorSchema } } },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/webhooks/2checkout/{token}',
    tags: ['webhooks'],
    summary: "2Checkout's set-up check of a new LCN URL",
    request: { params: z.object({ token }) },
    responses: { 200: { description: 'OK' }, 404: errors[404], 429: errors[429] },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/paybis/{token}',
    tags: ['webhooks'],
    summary: 'Paybis VERIFICATION_STATUS_UPDATED webhooks',
    description:
      "Give this URL to the Paybis integration manager. With Paybis's public key configured, " +
      '`X-Request-Signature` (RSA-PSS SHA-512) is required.',
    request: { params: z.object({ token }) },
    responses: {
      200: received,
      ...errors,
      415: { description: 'Not JSON', content: { 'application/json': { schema: ErrorSchema } } },
    },
  });
}
