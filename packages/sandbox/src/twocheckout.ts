import { constantTimeEqual, loginHash, type TwoCheckoutHashAlgo } from './twocheckout-hash.ts';
import {
  MYACCOUNT_PAGES,
  renderAccountPage,
  renderErrorPage,
  type MyAccountPage,
} from './twocheckout-pages.ts';
import type { ProviderSandbox, SandboxContext } from './types.ts';

/**
 * 2Checkout (Verifone) in the sandbox: the JSON-RPC 6.0 API (`login`, `getSingleSignOn`) under
 * `/api/rpc/6.0/`, and the myAccount pages its single sign-on URLs open, under `/myaccount/`.
 *
 * JSON-RPC errors this sandbox answers (HTTP 200 unless the transport itself is wrong):
 *
 * | code   | message starts with     | when |
 * | ------ | ----------------------- | ---- |
 * | -32700 | `Parse error`           | the body is not JSON |
 * | -32600 | `Invalid Request`       | not a JSON-RPC 2.0 request object (HTTP 405 / 415 for a wrong method / content type) |
 * | -32601 | `Method not found`      | any method but `login` and `getSingleSignOn` |
 * | -32602 | `Invalid params`        | wrong parameter count or types, bad date format, unknown algo or access page, invalid IP |
 * | -32603 | `Internal error`        | the hash algorithm is unavailable in this runtime (MD5/SHA3 in a browser) |
 * | -32001 | `AUTHENTICATION_FAILED` | unknown merchant, wrong hash, or a date more than 5 minutes off |
 * | -32002 | `SESSION_EXPIRED`       | unknown or expired sessionID: log in again |
 * | -32003 | `FORBIDDEN`             | the subscription belongs to another merchant |
 * | -32004 | `NOT_FOUND`             | no such subscription |
 * | -32005 | `INVALID_EMAIL`         | the email is not the subscription's customer's |
 */

export interface TwoCheckoutCustomer {
  /** The merchant's customer reference. */
  reference: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface TwoCheckoutSubscription {
  /** Subscription reference, e.g. `SUB-DEMO-1`. */
  reference: string;
  /** The owning customer's `reference`. */
  customerReference: string;
  productName: string;
  productCode: string;
  /** The order that purchased the subscription. */
  orderReference: string;
  status: 'ACTIVE' | 'PASTDUE' | 'CANCELED' | 'EXPIRED';
  /** `YYYY-MM-DD` */
  expirationDate: string;
}

export interface TwoCheckoutMerchant {
  merchantCode: string;
  secretKey: string;
  customers: readonly TwoCheckoutCustomer[];
  subscriptions: readonly TwoCheckoutSubscription[];
}

/** The merchant the sandbox serves, plus others (so one merchant's reach into another's data can be tested). */
export interface TwoCheckoutSeed extends TwoCheckoutMerchant {
  otherMerchants?: readonly TwoCheckoutMerchant[];
}

/** Demo data: `demo-customer` (ada@example.com) owns SUB-DEMO-1 and SUB-DEMO-2. Not real credentials. */
export const TWOCHECKOUT_DEMO: TwoCheckoutSeed = {
  merchantCode: 'HANDOFFDEMO',
  secretKey: 'sandbox-2checkout-secret-key',
  customers: [
    { reference: 'demo-customer', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    { reference: 'other-customer', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
  ],
  subscriptions: [
    {
      reference: 'SUB-DEMO-1',
      customerReference: 'demo-customer',
      productName: 'Handoff Pro (monthly)',
      productCode: 'HANDOFF-PRO-M',
      orderReference: '71000001',
      status: 'ACTIVE',
      expirationDate: '2027-01-15',
    },
    {
      reference: 'SUB-DEMO-2',
      customerReference: 'demo-customer',
      productName: 'Handoff Storage add-on (yearly)',
      productCode: 'HANDOFF-STORAGE-Y',
      orderReference: '71000002',
      status: 'ACTIVE',
      expirationDate: '2027-06-30',
    },
    {
      reference: 'SUB-OTHER-1',
      customerReference: 'other-customer',
      productName: 'Handoff Pro (monthly)',
      productCode: 'HANDOFF-PRO-M',
      orderReference: '71000003',
      status: 'PASTDUE',
      expirationDate: '2026-12-01',
    },
  ],
  otherMerchants: [
    {
      merchantCode: 'RIVALSHOP',
      secretKey: 'sandbox-rival-secret-key',
      customers: [
        { reference: 'rival-customer', email: 'linus@example.com', firstName: 'Linus', lastName: 'T' },
      ],
      subscriptions: [
        {
          reference: 'SUB-RIVAL-1',
          customerReference: 'rival-customer',
          productName: 'Rival Suite',
          productCode: 'RIVAL-SUITE',
          orderReference: '82000001',
          status: 'ACTIVE',
          expirationDate: '2027-03-01',
        },
      ],
    },
  ],
};

/** The JSON-RPC endpoint, relative to the provider prefix (`/2checkout`). */
export const TWOCHECKOUT_API_PATH = '/api/rpc/6.0/';

export const TWOCHECKOUT_RPC_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  AUTHENTICATION_FAILED: -32001,
  SESSION_EXPIRED: -32002,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  INVALID_EMAIL: -32005,
} as const;

const SESSION_TTL_MS = 10 * 60_000;
const DATE_SKEW_MS = 5 * 60_000;
const DEFAULT_VALIDITY_SECONDS = 10;
const ACCOUNT_SESSION_TTL_MS = 30 * 60_000;
const MAX_BODY_BYTES = 64 * 1024;
const COOKIE = 'tco_myaccount';
const ACCESS_PAGES = MYACCOUNT_PAGES.filter((p) => p !== 'home');

type JsonRpcId = string | number | null;

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const invalidParams = (detail: string) =>
  new RpcError(TWOCHECKOUT_RPC_ERRORS.INVALID_PARAMS, `Invalid params: ${detail}`);
const authFailed = (detail = 'Authentication failed.') =>
  new RpcError(TWOCHECKOUT_RPC_ERRORS.AUTHENTICATION_FAILED, `AUTHENTICATION_FAILED: ${detail}`);

interface ApiSession {
  merchant: TwoCheckoutMerchant;
  expiresAt: number;
}

interface SsoToken {
  merchant: TwoCheckoutMerchant;
  subscription: TwoCheckoutSubscription;
  customer: TwoCheckoutCustomer;
  page: MyAccountPage;
  expiresAt: number;
  validationIp: string | null;
  used: boolean;
}

interface AccountSession {
  merchant: TwoCheckoutMerchant;
  subscription: TwoCheckoutSubscription;
  customer: TwoCheckoutCustomer;
  expiresAt: number;
}

function randomId(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/** `YYYY-MM-DD HH:MM:SS` as GMT milliseconds, or null if malformed or not a real date. */
export function parseGmtDate(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  // Date.UTC rolls 2010-02-31 over into March; a real date survives the round trip.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return t;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A valid IPv4 or IPv6 address in one canonical spelling (IPv4-mapped IPv6 becomes IPv4), so
 * that `::1` and `0:0::1` match; null when the value is not an IP address.
 */
export function canonicalIp(value: string): string | null {
  if (IPV4.test(value)) return value;
  if (!value.includes(':') || !/^[0-9a-fA-F:.]+$/.test(value)) return null;
  let host: string;
  try {
    // The WHATWG URL parser is a strict IPv6 parser and serialises to the compressed form.
    host = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

function validateSeed(merchants: readonly TwoCheckoutMerchant[]): void {
  const codes = new Set<string>();
  const refs = new Set<string>();
  for (const m of merchants) {
    if (!m.merchantCode || !m.secretKey)
      throw new Error('2Checkout sandbox seed: merchantCode and secretKey are required');
    if (codes.has(m.merchantCode))
      throw new Error(`2Checkout sandbox seed: merchant ${m.merchantCode} appears twice`);
    codes.add(m.merchantCode);
    const customers = new Set(m.customers.map((c) => c.reference));
    for (const s of m.subscriptions) {
      if (refs.has(s.reference))
        throw new Error(`2Checkout sandbox seed: subscription ${s.reference} appears twice`);
      refs.add(s.reference);
      if (!customers.has(s.customerReference)) {
        throw new Error(
          `2Checkout sandbox seed: subscription ${s.reference} names unknown customer ${s.customerReference}`,
        );
      }
    }
  }
}

function rpcResponse(id: JsonRpcId, body: { result: unknown } | { error: RpcError }, status = 200): Response {
  const payload =
    'error' in body
      ? { jsonrpc: '2.0', id, error: { code: body.error.code, message: body.error.message } }
      : { jsonrpc: '2.0', id, result: body.result };
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (status === 405) headers.allow = 'POST';
  return new Response(JSON.stringify(payload), { status, headers });
}

function html(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      ...headers,
    },
  });
}

function readCookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Builds the 2Checkout part of the sandbox. State (API sessions, single sign-on tokens, myAccount
 * cookies) lives in memory for the lifetime of the returned object.
 */
/** The fields of a notification, in the order 2Checkout sends them (unsigned). */
export type TwoCheckoutNotificationFields = Array<[string, string]>;

/** Customer activity the sandbox can act out; each returns the notifications 2Checkout sends. */
export interface TwoCheckoutSimulation {
  /** A new (or known, by email) customer buys a subscription: an IPN for the order, an LCN for the subscription. */
  subscribe(input: { email: string; firstName?: string; lastName?: string; productName?: string }): {
    reference: string;
    ipn: TwoCheckoutNotificationFields;
    lcn: TwoCheckoutNotificationFields;
  };
  /** The subscription renews for another month: an LCN with the new expiry. */
  renew(reference: string): { lcn: TwoCheckoutNotificationFields } | null;
  /** The subscription is cancelled: an LCN with it disabled. */
  cancel(reference: string): { lcn: TwoCheckoutNotificationFields } | null;
}

export type TwoCheckoutSandbox = ProviderSandbox & { readonly simulate: TwoCheckoutSimulation };

export function createTwoCheckoutSandbox(
  ctx: SandboxContext,
  seed: TwoCheckoutSeed = TWOCHECKOUT_DEMO,
): TwoCheckoutSandbox {
  // Copies, so customers who sign up in the sandbox change nothing shared.
  const merchantList: Array<
    TwoCheckoutMerchant & { customers: TwoCheckoutCustomer[]; subscriptions: TwoCheckoutSubscription[] }
  > = [seed, ...(seed.otherMerchants ?? [])].map((m) => ({
    ...m,
    customers: [...m.customers],
    subscriptions: m.subscriptions.map((s) => ({ ...s })),
  }));
  validateSeed(merchantList);
  const merchants = new Map(merchantList.map((m) => [m.merchantCode, m]));
  const subscriptionOwner = new Map<string, TwoCheckoutMerchant>();
  for (const m of merchantList) for (const s of m.subscriptions) subscriptionOwner.set(s.reference, m);

  const sessions = new Map<string, ApiSession>();
  const tokens = new Map<string, SsoToken>();
  const accounts = new Map<string, AccountSession>();
  // A secret for hashing attempts against unknown merchants, so they cost the same as known ones.
  const decoySecret = randomId(32);

  const basePath = new URL(ctx.baseUrl).pathname.replace(/\/+$/, '');
  const myAccountPath = `${basePath}/2checkout/myaccount`;
  const origin = ctx.baseUrl.replace(/\/+$/, '');
  const pageUrl = (page: MyAccountPage) =>
    page === 'home' ? `${origin}/2checkout/myaccount/` : `${origin}/2checkout/myaccount/${page}/`;

  let inserts = 0;
  function sweep(): void {
    // Expired entries are dropped now and then so a long benchmark does not grow memory without bound.
    if (++inserts % 100 !== 0) return;
    const now = ctx.now();
    for (const map of [sessions, tokens, accounts] as Map<string, { expiresAt: number }>[]) {
      for (const [k, v] of map) if (v.expiresAt <= now) map.delete(k);
    }
  }

  async function login(params: unknown[]): Promise<string> {
    if (params.length < 3 || params.length > 4) {
      throw invalidParams('login expects (merchantCode, date, hash[, algo])');
    }
    const [merchantCode, date, hash, algoParam] = params;
    if (typeof merchantCode !== 'string' || typeof date !== 'string' || typeof hash !== 'string') {
      throw invalidParams('merchantCode, date and hash must be strings');
    }
    let algo: TwoCheckoutHashAlgo;
    if (algoParam === undefined || algoParam === null || algoParam === '') algo = 'md5';
    else if (
      typeof algoParam === 'string' &&
      ['md5', 'sha256', 'sha3-256'].includes(algoParam.toLowerCase())
    ) {
      algo = algoParam.toLowerCase() as TwoCheckoutHashAlgo;
    } else {
      throw invalidParams('algo must be "sha256" or "sha3-256" (or absent for HMAC-MD5)');
    }
    const time = parseGmtDate(date);
    if (time === null) throw invalidParams('date must be the current GMT time as YYYY-MM-DD HH:MM:SS');

    const merchant = merchants.get(merchantCode);
    const expected = await loginHash(algo, merchant?.secretKey ?? decoySecret, merchantCode, date);
    if (expected === null) {
      throw new RpcError(
        TWOCHECKOUT_RPC_ERRORS.INTERNAL_ERROR,
        `Internal error: HMAC-${algo} is not available in this runtime`,
      );
    }
    const matches = await constantTimeEqual(expected, hash.toLowerCase());
    if (!merchant || !matches) throw authFailed();
    if (Math.abs(ctx.now() - time) > DATE_SKEW_MS) {
      throw authFailed('the date is more than 5 minutes away from the current GMT time.');
    }
    const sessionId = randomId(16);
    sessions.set(sessionId, { merchant, expiresAt: ctx.now() + SESSION_TTL_MS });
    sweep();
    return sessionId;
  }

  function getSingleSignOn(params: unknown[]): string {
    if (params.length < 2 || params.length > 6) {
      throw invalidParams(
        'getSingleSignOn expects (sessionID, subscriptionReference, email, validityTime, accessPage, validationIp)',
      );
    }
    const [sessionId, reference, email = null, validityTime = null, accessPage = null, validationIp = null] =
      params;
    if (typeof sessionId !== 'string') throw invalidParams('sessionID must be a string');
    if (typeof reference !== 'string' || reference === '') {
      throw invalidParams('subscriptionReference must be a non-empty string');
    }
    if (email !== null && typeof email !== 'string') throw invalidParams('email must be a string or null');
    if (
      validityTime !== null &&
      (typeof validityTime !== 'number' || !Number.isSafeInteger(validityTime) || validityTime <= 0)
    ) {
      throw invalidParams('validityTime must be a positive integer number of seconds');
    }
    let page: MyAccountPage = 'home';
    if (accessPage !== null && accessPage !== '') {
      if (typeof accessPage !== 'string' || !(ACCESS_PAGES as readonly string[]).includes(accessPage)) {
        throw invalidParams(`accessPage must be one of ${ACCESS_PAGES.join(', ')}, or empty`);
      }
      page = accessPage as MyAccountPage;
    }
    let ip: string | null = null;
    if (validationIp !== null && validationIp !== '') {
      ip = typeof validationIp === 'string' ? canonicalIp(validationIp) : null;
      if (ip === null) throw invalidParams('validationIp must be empty, null or a valid IPv4/IPv6 address');
    }

    const now = ctx.now();
    const session = sessions.get(sessionId);
    if (!session || session.expiresAt <= now) {
      if (session) sessions.delete(sessionId);
      throw new RpcError(
        TWOCHECKOUT_RPC_ERRORS.SESSION_EXPIRED,
        'SESSION_EXPIRED: Session expired or unknown; log in again.',
      );
    }
    const owner = subscriptionOwner.get(reference);
    if (!owner) throw new RpcError(TWOCHECKOUT_RPC_ERRORS.NOT_FOUND, 'NOT_FOUND: Subscription not found.');
    if (owner !== session.merchant) {
      throw new RpcError(
        TWOCHECKOUT_RPC_ERRORS.FORBIDDEN,
        'FORBIDDEN: The subscription belongs to another merchant.',
      );
    }
    const subscription = owner.subscriptions.find((s) => s.reference === reference)!;
    const customer = owner.customers.find((c) => c.reference === subscription.customerReference)!;
    if (email !== null && email !== '' && email.trim().toLowerCase() !== customer.email.toLowerCase()) {
      throw new RpcError(
        TWOCHECKOUT_RPC_ERRORS.INVALID_EMAIL,
        "INVALID_EMAIL: The email address does not belong to the subscription's customer.",
      );
    }

    const token = randomId(24);
    tokens.set(token, {
      merchant: owner,
      subscription,
      customer,
      page,
      expiresAt: now + (validityTime ?? DEFAULT_VALIDITY_SECONDS) * 1000,
      validationIp: ip,
      used: false,
    });
    sweep();
    return `${origin}/2checkout/myaccount/sso/?token=${token}`;
  }

  async function handleApi(request: Request): Promise<Response> {
    if (request.method !== 'POST') {
      return rpcResponse(
        null,
        { error: new RpcError(TWOCHECKOUT_RPC_ERRORS.INVALID_REQUEST, 'Invalid Request: use POST') },
        405,
      );
    }
    if (!/^application\/json\s*(;|$)/i.test(request.headers.get('content-type') ?? '')) {
      return rpcResponse(
        null,
        {
          error: new RpcError(
            TWOCHECKOUT_RPC_ERRORS.INVALID_REQUEST,
            'Invalid Request: send the body as application/json',
          ),
        },
        415,
      );
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    const text = declared > MAX_BODY_BYTES ? '' : await request.text();
    if (declared > MAX_BODY_BYTES || new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) {
      return rpcResponse(
        null,
        { error: new RpcError(TWOCHECKOUT_RPC_ERRORS.INVALID_REQUEST, 'Invalid Request: body too large') },
        413,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return rpcResponse(null, { error: new RpcError(TWOCHECKOUT_RPC_ERRORS.PARSE_ERROR, 'Parse error') });
    }
    const invalid = (id: JsonRpcId, detail: string) =>
      rpcResponse(id, {
        error: new RpcError(TWOCHECKOUT_RPC_ERRORS.INVALID_REQUEST, `Invalid Request: ${detail}`),
      });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return invalid(null, 'expected one JSON-RPC request object (batches are not supported)');
    }
    const req = body as Record<string, unknown>;
    const id = req.id;
    if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) || id === null)) {
      return invalid(null, 'id must be a string, a number or null');
    }
    if (req.jsonrpc !== '2.0') return invalid(id, 'jsonrpc must be "2.0"');
    if (typeof req.method !== 'string') return invalid(id, 'method must be a string');
    const params = req.params === undefined ? [] : req.params;
    try {
      if (req.method !== 'login' && req.method !== 'getSingleSignOn') {
        throw new RpcError(
          TWOCHECKOUT_RPC_ERRORS.METHOD_NOT_FOUND,
          `Method not found: ${req.method.slice(0, 64)}`,
        );
      }
      if (!Array.isArray(params)) throw invalidParams('params must be an array (positional parameters)');
      const result = req.method === 'login' ? await login(params) : getSingleSignOn(params);
      return rpcResponse(id, { result });
    } catch (err) {
      if (err instanceof RpcError) return rpcResponse(id, { error: err });
      throw err;
    }
  }

  function errorPage(status: number, title: string, message: string): Response {
    return html(renderErrorPage(title, message), status);
  }

  function consumeSso(request: Request, url: URL): Response {
    const token = url.searchParams.get('token') ?? '';
    const entry = tokens.get(token);
    if (!entry) return errorPage(404, 'Link not valid', 'This sign-in link is not valid.');
    if (entry.used) return errorPage(410, 'Link already used', 'This sign-in link has already been used.');
    if (entry.expiresAt <= ctx.now()) return errorPage(410, 'Link expired', 'This sign-in link has expired.');
    if (entry.validationIp !== null) {
      const seen = ctx.clientIp(request);
      if (seen === null || canonicalIp(seen) !== entry.validationIp) {
        return errorPage(
          403,
          'Link not valid here',
          'This sign-in link was issued for another network address.',
        );
      }
    }
    entry.used = true;
    const sid = randomId(24);
    accounts.set(sid, {
      merchant: entry.merchant,
      subscription: entry.subscription,
      customer: entry.customer,
      expiresAt: ctx.now() + ACCOUNT_SESSION_TTL_MS,
    });
    sweep();
    const secure = ctx.baseUrl.startsWith('https:') ? '; Secure' : '';
    return new Response(null, {
      status: 303,
      headers: {
        location: pageUrl(entry.page),
        'set-cookie': `${COOKIE}=${sid}; Path=${myAccountPath}; Max-Age=${ACCOUNT_SESSION_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      },
    });
  }

  function accountPage(request: Request, page: MyAccountPage): Response {
    const sid = readCookie(request, COOKIE);
    const session = sid ? accounts.get(sid) : undefined;
    if (!session || session.expiresAt <= ctx.now()) {
      return errorPage(401, 'Not signed in', 'Open myAccount through a single sign-on link to sign in.');
    }
    const subscriptions = session.merchant.subscriptions.filter(
      (s) => s.customerReference === session.customer.reference,
    );
    return html(
      renderAccountPage({
        page,
        merchantCode: session.merchant.merchantCode,
        customer: session.customer,
        subscription: session.subscription,
        subscriptions,
        pageUrl,
      }),
      200,
    );
  }

  function handlePage(request: Request, path: string): Response {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return html(renderErrorPage('Method not allowed', 'Use GET.'), 405, { allow: 'GET, HEAD' });
    }
    const url = new URL(request.url);
    const rest = path.replace(/^\/myaccount/, '').replace(/\/+$/, '');
    if (rest === '/sso') {
      // Only a real visit spends the one-time link; a HEAD probe (link previews, scanners) must not.
      if (request.method !== 'GET')
        return html(renderErrorPage('Method not allowed', 'Use GET.'), 405, { allow: 'GET' });
      return consumeSso(request, url);
    }
    if (rest === '') return accountPage(request, 'home');
    const page = rest.slice(1);
    if ((ACCESS_PAGES as readonly string[]).includes(page))
      return accountPage(request, page as MyAccountPage);
    return errorPage(404, 'Page not found', 'There is no such myAccount page.');
  }

  const home = merchantList[0]!;
  let nextOrder = 73_000_001;
  const gmt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const ymdhis = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-T:]/g, '');

  function lcn(subscription: TwoCheckoutSubscription): TwoCheckoutNotificationFields {
    const customer = home.customers.find((c) => c.reference === subscription.customerReference)!;
    const disabled = subscription.status === 'CANCELED' || subscription.status === 'EXPIRED';
    return [
      ['LICENSE_CODE', subscription.reference],
      ['EXPIRATION_DATE', subscription.expirationDate],
      ['DATE_UPDATED', gmt(ctx.now())],
      ['LICENSE_TYPE', 'REGULAR'],
      ['DISABLED', disabled ? '1' : '0'],
      ['EXPIRED', subscription.status === 'EXPIRED' ? '1' : '0'],
      ['CHANGED_BY', 'SYSTEM'],
      ['TEST', '1'],
      ['EMAIL', customer.email],
      ['AVANGATE_CUSTOMER_REFERENCE', customer.reference],
      ['EXTERNAL_CUSTOMER_REFERENCE', ''],
    ];
  }

  const simulate: TwoCheckoutSimulation = {
    subscribe({ email, firstName = 'New', lastName = 'Customer', productName = 'Handoff Pro (monthly)' }) {
      const address = email.trim().toLowerCase();
      let customer = home.customers.find((c) => c.email.toLowerCase() === address);
      if (!customer) {
        customer = { reference: `cust-${randomId(8)}`, email: address, firstName, lastName };
        home.customers.push(customer);
      }
      const order = String(nextOrder++);
      const subscription: TwoCheckoutSubscription = {
        reference: `SUB-${randomId(10)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, 'X')}`,
        customerReference: customer.reference,
        productName,
        productCode: 'HANDOFF-PRO-M',
        orderReference: order,
        status: 'ACTIVE',
        expirationDate: new Date(ctx.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      };
      home.subscriptions.push(subscription);
      subscriptionOwner.set(subscription.reference, home);
      const ipn: TwoCheckoutNotificationFields = [
        ['REFNO', order],
        ['ORDERSTATUS', 'COMPLETE'],
        ['CUSTOMEREMAIL', customer.email],
        ['MESSAGE_TYPE', 'COMPLETE'],
        ['IPN_DATE', ymdhis(ctx.now())],
        ['IPN_PID[]', '1'],
        ['IPN_PNAME[]', productName],
        ['IPN_LICENSE_REF[]', subscription.reference],
        ['IPN_LICENSE_EXP[]', `${subscription.expirationDate} 00:00:00`],
      ];
      return { reference: subscription.reference, ipn, lcn: lcn(subscription) };
    },
    renew(reference) {
      const subscription = home.subscriptions.find((s) => s.reference === reference);
      if (!subscription || subscription.status === 'CANCELED') return null;
      subscription.status = 'ACTIVE';
      subscription.expirationDate = new Date(Date.parse(subscription.expirationDate) + 30 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      return { lcn: lcn(subscription) };
    },
    cancel(reference) {
      const subscription = home.subscriptions.find((s) => s.reference === reference);
      if (!subscription) return null;
      subscription.status = 'CANCELED';
      return { lcn: lcn(subscription) };
    },
  };

  return {
    simulate,
    async handle(request, path) {
      const normalized = path.replace(/\/+$/, '');
      if (normalized === TWOCHECKOUT_API_PATH.replace(/\/+$/, '')) return handleApi(request);
      if (normalized === '/myaccount' || normalized.startsWith('/myaccount/'))
        return handlePage(request, normalized);
      return errorPage(404, 'Page not found', 'There is no such 2Checkout page.');
    },
  };
}
