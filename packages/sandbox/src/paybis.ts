import {
  importPaybisPublicKey,
  randomOtp,
  randomToken,
  safeEqual,
  verifyPaybisSignature,
} from './paybis-crypto.ts';
import { PAYBIS_DEMO_PRIVATE_KEY_PEM, PAYBIS_DEMO_PUBLIC_KEY_PEM } from './paybis-demo-keys.ts';
import {
  completedPage,
  emailPage,
  errorPage,
  loggedInPage,
  otpPage,
  pageCsp,
  type ReturnUrls,
  WIDGET_SCRIPT,
} from './paybis-pages.ts';
import type { ProviderSandbox, SandboxContext } from './types.ts';

export { verifyPaybisSignature, importPaybisPublicKey } from './paybis-crypto.ts';

/**
 * The Paybis simulator: the widget API (`/paybis/api/v2/request`, `/v2/public/request`,
 * `/v3/request`) with mandatory RSASSA-PSS request signatures and the auth-key (passwordless)
 * login, plus the widget page and its Web SDK script (`/paybis/widget/…`).
 */

export interface PaybisSeed {
  /** The partner's secret API key (private endpoint, `Authorization`). */
  apiKey: string;
  /** The partner id (public endpoint, `?apikey=`). */
  partnerId: string;
  /** The partner's RSA public key (SPKI PEM) that request signatures are checked against. */
  publicKeyPem: string;
  /** Auth keys already linked to an email: returning customers get a oneTimeToken at once. */
  linkedAuthKeys?: Readonly<Record<string, string>>;
}

/**
 * Demo credentials for the sandbox, the demo app and tests. SANDBOX-ONLY TEST MATERIAL: the key
 * pair is public, so it must never be used with the real Paybis.
 */
export const PAYBIS_DEMO = {
  apiKey: 'pb_sandbox_demo_api_key_7f3c9a1e52b84d06',
  partnerId: 'handoff-demo-partner',
  publicKeyPem: PAYBIS_DEMO_PUBLIC_KEY_PEM,
  /** The partner's private key, for the backend's HANDOFF_PAYBIS_PRIVATE_KEY (sandbox only). */
  privateKeyPem: PAYBIS_DEMO_PRIVATE_KEY_PEM,
} as const satisfies PaybisSeed & { privateKeyPem: string };

/** oneTimeToken lifetime, as documented. */
export const PAYBIS_TOKEN_TTL_MS = 15 * 60 * 1000;
const OTP_TTL_MS = 10 * 60 * 1000;
const OTP_MAX_ATTEMPTS = 5;
const MAX_BODY_BYTES = 64 * 1024;

export interface PaybisSandbox extends ProviderSandbox {
  /** The email an auth key is linked to, if any (for tests and the demo). */
  linkedEmail(authKey: string): string | undefined;
}

interface WalletAddress {
  address: string;
  currencyCode: string;
}

/** A validated widget request body. */
export interface PaybisRequestBody {
  partnerUserId: string;
  passwordless: true;
  email?: string;
  locale?: string;
  flow?: 'buyCrypto' | 'sellCrypto';
  cryptoWalletAddress?: WalletAddress;
  cryptoWalletAddressForRefund?: WalletAddress;
  currencyCodeFrom?: string;
  currencyCodeTo?: string;
  amount?: string | number;
  quoteId?: string;
  paymentMethod?: string;
  payoutMethod?: string;
  depositCallbackUrl?: string;
  userIp?: string;
}

interface StoredRequest {
  body: PaybisRequestBody;
  createdAt: number;
}

interface StoredToken {
  requestId: string;
  email: string;
  expiresAt: number;
  used: boolean;
}

interface PendingOtp {
  email: string;
  code: string;
  expiresAt: number;
  attempts: number;
}

interface WidgetSession {
  requestId: string;
  email: string;
  completed: boolean;
}

function apiError(status: number, code: string, message: string, errors?: Record<string, string>): Response {
  return Response.json(errors ? { code, message, errors } : { code, message }, { status });
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;
const DECIMAL = /^(?=.*[1-9])\d{1,15}(\.\d{1,18})?$/;

function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Type checks for every documented body field; returns field → problem. */
export function validatePaybisBody(
  body: unknown,
  options: { requireUserIp?: boolean } = {},
): { ok: true; value: PaybisRequestBody } | { ok: false; errors: Record<string, string> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: { body: 'must be a JSON object' } };
  }
  const b = body as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const optionalString = (field: string, max: number, test?: (s: string) => boolean, what = 'a string') => {
    const v = b[field];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > max || (test && !test(v))) {
      errors[field] = `must be ${what}`;
    }
  };
  const wallet = (field: string) => {
    const v = b[field];
    if (v === undefined) return;
    const w = v as Record<string, unknown> | null;
    if (
      typeof v !== 'object' ||
      w === null ||
      Array.isArray(v) ||
      typeof w.address !== 'string' ||
      w.address.length === 0 ||
      w.address.length > 256 ||
      typeof w.currencyCode !== 'string' ||
      w.currencyCode.length === 0 ||
      w.currencyCode.length > 32
    ) {
      errors[field] = 'must be an object {address: string, currencyCode: string}';
    }
  };

  if (typeof b.partnerUserId !== 'string' || b.partnerUserId.trim().length === 0) {
    errors.partnerUserId = 'is required for the passwordless flow (the auth key)';
  } else if (b.partnerUserId.length > 255) {
    errors.partnerUserId = 'must be at most 255 characters';
  }
  if (b.passwordless !== true) {
    errors.passwordless = 'must be true for the passwordless flow';
  }
  optionalString('email', 254, (s) => EMAIL.test(s), 'an email address');
  optionalString('locale', 35, (s) => LOCALE.test(s), 'a locale such as "en" or "en-US"');
  if (b.flow !== undefined && b.flow !== 'buyCrypto' && b.flow !== 'sellCrypto') {
    errors.flow = 'must be "buyCrypto" or "sellCrypto"';
  }
  wallet('cryptoWalletAddress');
  wallet('cryptoWalletAddressForRefund');
  optionalString('currencyCodeFrom', 32);
  optionalString('currencyCodeTo', 32);
  if (b.amount !== undefined) {
    const ok =
      (typeof b.amount === 'string' && DECIMAL.test(b.amount)) ||
      (typeof b.amount === 'number' && Number.isFinite(b.amount) && b.amount > 0);
    if (!ok) errors.amount = 'must be a positive decimal amount';
  }
  optionalString('quoteId', 128);
  optionalString('paymentMethod', 128);
  optionalString('payoutMethod', 128);
  optionalString('depositCallbackUrl', 2048, isHttpUrl, 'an http(s) URL');
  if (options.requireUserIp || b.userIp !== undefined) {
    if (typeof b.userIp !== 'string' || !/^[0-9a-fA-F:.]{2,45}$/.test(b.userIp)) {
      errors.userIp = options.requireUserIp
        ? 'is required (the customer IP address)'
        : 'must be an IP address';
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: b as unknown as PaybisRequestBody };
}

export function createPaybisSandbox(ctx: SandboxContext, seed: PaybisSeed = PAYBIS_DEMO): PaybisSandbox {
  // Import the key once; a bad seed fails on first use with a clear message.
  let publicKey: Promise<CryptoKey> | undefined;
  const key = () => (publicKey ??= importPaybisPublicKey(seed.publicKeyPem));

  const links = new Map<string, string>(Object.entries(seed.linkedAuthKeys ?? {}));
  const requests = new Map<string, StoredRequest>();
  const tokens = new Map<string, StoredToken>();
  const otps = new Map<string, PendingOtp>();
  const sessions = new Map<string, WidgetSession>();

  async function handleApi(request: Request, path: string): Promise<Response> {
    const url = new URL(request.url);
    const route = path.replace(/\/+$/, '');
    const isPrivate = route === '/api/v2/request' || route === '/api/v3/request';
    const isPublic = route === '/api/v2/public/request';
    if (!isPrivate && !isPublic) return apiError(404, 'NOT_FOUND', 'Unknown endpoint.');
    if (request.method !== 'POST') {
      return Response.json(
        { code: 'METHOD_NOT_ALLOWED', message: 'Use POST.' },
        { status: 405, headers: { Allow: 'POST' } },
      );
    }

    if (isPrivate) {
      const header = request.headers.get('authorization')?.trim();
      if (!header) return apiError(401, 'UNAUTHORIZED', 'Missing API key in the Authorization header.');
      const presented = header.replace(/^Bearer\s+/i, '');
      if (!(await safeEqual(presented, seed.apiKey))) return apiError(403, 'FORBIDDEN', 'Invalid API key.');
    } else {
      const partnerId = url.searchParams.get('apikey');
      if (!partnerId)
        return apiError(401, 'UNAUTHORIZED', 'Missing apikey query parameter (the partner id).');
      if (!(await safeEqual(partnerId, seed.partnerId)))
        return apiError(403, 'FORBIDDEN', 'Invalid partner id.');
    }

    const raw = new Uint8Array(await request.arrayBuffer());
    if (raw.byteLength > MAX_BODY_BYTES)
      return apiError(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large.');
    if (raw.byteLength === 0) return apiError(400, 'VALIDATION_ERROR', 'Request body is required.');

    const signature = request.headers.get('x-request-signature');
    if (!signature) return apiError(403, 'SIGNATURE_REQUIRED', 'Missing X-Request-Signature header.');
    if (!(await verifyPaybisSignature(await key(), raw, signature))) {
      return apiError(403, 'INVALID_SIGNATURE', 'Request signature verification failed.');
    }

    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      return apiError(400, 'MALFORMED_JSON', 'Request body is not valid JSON.');
    }
    const parsed = validatePaybisBody(json, { requireUserIp: route === '/api/v3/request' });
    if (!parsed.ok) return apiError(400, 'VALIDATION_ERROR', 'Request validation failed.', parsed.errors);

    const requestId = crypto.randomUUID();
    requests.set(requestId, { body: parsed.value, createdAt: ctx.now() });
    const email = links.get(parsed.value.partnerUserId);
    if (!email) return Response.json({ requestId });
    const oneTimeToken = randomToken(32);
    tokens.set(oneTimeToken, { requestId, email, expiresAt: ctx.now() + PAYBIS_TOKEN_TTL_MS, used: false });
    return Response.json({ requestId, oneTimeToken });
  }

  function html(body: string, nonce: string, status = 200): Response {
    return new Response(body, {
      status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': pageCsp(nonce),
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      },
    });
  }

  /** Return URLs from a query string or form; null when one is present but not http(s). */
  function readReturnUrls(params: URLSearchParams): ReturnUrls | null {
    const out: ReturnUrls = {};
    for (const name of ['successReturnURL', 'failureReturnURL'] as const) {
      const value = params.get(name);
      if (value === null || value === '') continue;
      if (!isHttpUrl(value)) return null;
      out[name] = value;
    }
    return out;
  }

  function summary(body: PaybisRequestBody): string {
    const sell = body.flow === 'sellCrypto';
    const crypto =
      (sell ? body.currencyCodeFrom : body.currencyCodeTo) ?? body.cryptoWalletAddress?.currencyCode;
    const fiat = sell ? body.currencyCodeTo : body.currencyCodeFrom;
    const amount = body.amount === undefined ? '' : ` ${String(body.amount)}`;
    return sell
      ? `Sell${amount} ${crypto ?? 'crypto'} for ${fiat ?? 'fiat'}`
      : `Buy ${crypto ?? 'crypto'} for${amount} ${fiat ?? 'fiat'}`;
  }

  function startSession(requestId: string, email: string): string {
    const sessionId = randomToken(24);
    sessions.set(sessionId, { requestId, email, completed: false });
    return sessionId;
  }

  async function handleWidget(request: Request, path: string): Promise<Response> {
    const nonce = randomToken(16);
    const route = path.replace(/\/+$/, '') || '/widget';
    const url = new URL(request.url);
    // Where this module is mounted, so form actions work under any prefix or origin.
    const widgetBase = `${url.pathname.slice(0, url.pathname.length - path.length)}/widget`;

    if (route === '/widget/partner-exchange-widget.js') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
      return new Response(WIDGET_SCRIPT, {
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-cache',
          'access-control-allow-origin': '*',
          'cross-origin-resource-policy': 'cross-origin',
        },
      });
    }

    if (route === '/widget' && request.method === 'GET') {
      const params = url.searchParams;
      const returnUrls = readReturnUrls(params);
      if (!returnUrls) {
        return html(errorPage(nonce, 'Return URLs must be http(s) URLs.', 'invalid_return_url'), nonce, 400);
      }
      const requestId = params.get('requestId') ?? '';
      const stored = requests.get(requestId);
      if (!stored) {
        return html(
          errorPage(nonce, 'Unknown or missing requestId.', 'unknown_request', returnUrls),
          nonce,
          404,
        );
      }
      const token = params.get('oneTimeToken');
      if (token !== null && token !== '') {
        const entry = tokens.get(token);
        if (!entry || entry.requestId !== requestId) {
          return html(
            errorPage(nonce, 'This login token is not valid.', 'invalid_token', returnUrls),
            nonce,
            403,
          );
        }
        if (entry.used) {
          return html(
            errorPage(nonce, 'This login token was already used.', 'token_used', returnUrls),
            nonce,
            403,
          );
        }
        if (ctx.now() >= entry.expiresAt) {
          return html(
            errorPage(nonce, 'This login token has expired.', 'token_expired', returnUrls),
            nonce,
            403,
          );
        }
        entry.used = true;
        const sessionId = startSession(requestId, entry.email);
        return html(
          loggedInPage(nonce, `${widgetBase}/complete`, sessionId, returnUrls, {
            email: entry.email,
            summary: summary(stored.body),
            opened: true,
          }),
          nonce,
        );
      }
      return html(
        emailPage(nonce, `${widgetBase}/email`, requestId, returnUrls, {
          email: stored.body.email,
          opened: true,
        }),
        nonce,
      );
    }

    if (
      request.method !== 'POST' ||
      !['/widget/email', '/widget/verify', '/widget/complete'].includes(route)
    ) {
      return html(errorPage(nonce, 'Page not found.', 'not_found'), nonce, 404);
    }

    const text = await request.text();
    if (text.length > MAX_BODY_BYTES)
      return html(errorPage(nonce, 'Form too large.', 'bad_request'), nonce, 413);
    const form = new URLSearchParams(text);
    const returnUrls = readReturnUrls(form);
    if (!returnUrls) {
      return html(errorPage(nonce, 'Return URLs must be http(s) URLs.', 'invalid_return_url'), nonce, 400);
    }

    if (route === '/widget/complete') {
      const session = sessions.get(form.get('session') ?? '');
      if (!session) {
        return html(
          errorPage(nonce, 'Your session has ended. Start again.', 'no_session', returnUrls),
          nonce,
          403,
        );
      }
      if (session.completed) {
        return html(
          errorPage(nonce, 'This purchase was already completed.', 'already_completed', returnUrls),
          nonce,
          409,
        );
      }
      session.completed = true;
      const transactionId = `PB-${randomToken(9)}`;
      return html(
        completedPage(nonce, returnUrls, {
          email: session.email,
          requestId: session.requestId,
          transactionId,
        }),
        nonce,
      );
    }

    const requestId = form.get('requestId') ?? '';
    const stored = requests.get(requestId);
    if (!stored)
      return html(
        errorPage(nonce, 'Unknown or missing requestId.', 'unknown_request', returnUrls),
        nonce,
        404,
      );
    const email = (form.get('email') ?? '').trim().toLowerCase();

    if (route === '/widget/email') {
      if (!EMAIL.test(email) || email.length > 254) {
        return html(
          emailPage(nonce, `${widgetBase}/email`, requestId, returnUrls, {
            email,
            opened: false,
            error: 'Enter a valid email address.',
          }),
          nonce,
          400,
        );
      }
      const code = randomOtp();
      otps.set(requestId, { email, code, expiresAt: ctx.now() + OTP_TTL_MS, attempts: 0 });
      return html(otpPage(nonce, `${widgetBase}/verify`, requestId, returnUrls, { email, code }), nonce);
    }

    // /widget/verify
    const pending = otps.get(requestId);
    if (!pending || pending.email !== email || ctx.now() >= pending.expiresAt) {
      otps.delete(requestId);
      return html(
        emailPage(nonce, `${widgetBase}/email`, requestId, returnUrls, {
          email,
          opened: false,
          error: 'The code has expired. Request a new one.',
        }),
        nonce,
        400,
      );
    }
    const code = (form.get('code') ?? '').trim();
    if (!(await safeEqual(code, pending.code))) {
      pending.attempts += 1;
      if (pending.attempts >= OTP_MAX_ATTEMPTS) {
        otps.delete(requestId);
        return html(errorPage(nonce, 'Too many wrong codes.', 'otp_locked', returnUrls), nonce, 429);
      }
      return html(
        otpPage(nonce, `${widgetBase}/verify`, requestId, returnUrls, {
          email,
          code: pending.code,
          error: 'That code is not right. Try again.',
        }),
        nonce,
        400,
      );
    }
    otps.delete(requestId);
    const authKey = stored.body.partnerUserId;
    const linked = links.get(authKey);
    if (linked !== undefined && linked !== email) {
      return html(
        errorPage(
          nonce,
          'This account is linked to a different email address.',
          'auth_key_conflict',
          returnUrls,
        ),
        nonce,
        409,
      );
    }
    // The first verified session links the partner's auth key to this email (the feature's core rule).
    links.set(authKey, email);
    const sessionId = startSession(requestId, email);
    return html(
      loggedInPage(nonce, `${widgetBase}/complete`, sessionId, returnUrls, {
        email,
        summary: summary(stored.body),
        opened: false,
      }),
      nonce,
    );
  }

  return {
    async handle(request, path) {
      if (path === '/api' || path.startsWith('/api/')) return handleApi(request, path);
      if (path === '/widget' || path.startsWith('/widget/')) return handleWidget(request, path);
      return apiError(404, 'NOT_FOUND', 'Unknown Paybis sandbox path.');
    },
    linkedEmail: (authKey) => links.get(authKey),
  };
}
