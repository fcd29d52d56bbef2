import {
  constantTimeEqual,
  decodeBase64,
  escapeHtml,
  hasMediaType,
  hmac,
  html,
  json,
  randomToken,
  readCookie,
} from './http.ts';
import { okepayPortalPage } from './okepay-pages.ts';
import { okePaySignedString, parsePhpForm } from './php-query.ts';
import type { ProviderSandbox, SandboxContext } from './types.ts';

/**
 * OkePay (a white-label of Payrexx), as PROVIDERS.md §1 describes it: the AuthToken API with
 * its `ApiSignature` check, and the customer portal that the returned link logs into.
 */

export interface OkePaySubscription {
  id: number;
  /** The product or plan name the customer sees. */
  title: string;
  /** Amount per interval in the currency's minor unit (cents). */
  amount: number;
  currency: string;
  interval: 'monthly' | 'quarterly' | 'yearly';
  status: 'active' | 'cancelled';
  /** `YYYY-MM-DD`: the next payment, or the end of a cancelled subscription. */
  nextDate: string;
}

export interface OkePayContact {
  /** The contact id that arrives in the subscription webhook; the API's `userId`. */
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  subscriptions: OkePaySubscription[];
}

export interface OkePaySeed {
  /** Instance name (`https://{instance}.okepay.info`), the API's `?instance=`. */
  instance: string;
  /** The instance API secret that signs requests. */
  secret: string;
  contacts: OkePayContact[];
  /** How long a login link works, in seconds (default 600). */
  tokenTtlSeconds?: number;
  /** How long a portal session lasts, in seconds (default 3600). */
  sessionTtlSeconds?: number;
}

/** Demo data. The secret is public on purpose: it only opens this simulator. */
export const OKEPAY_DEMO = {
  instance: 'demo',
  secret: 'okepay-sandbox-demo-secret',
  contacts: [
    {
      id: 1001,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      subscriptions: [
        {
          id: 5001,
          title: 'Pro plan',
          amount: 1990,
          currency: 'CHF',
          interval: 'monthly',
          status: 'active',
          nextDate: '2026-12-01',
        },
        {
          id: 5002,
          title: 'Extra storage',
          amount: 4800,
          currency: 'CHF',
          interval: 'yearly',
          status: 'active',
          nextDate: '2027-03-15',
        },
      ],
    },
    {
      id: 1002,
      firstName: 'Bruno',
      lastName: 'Keller',
      email: 'bruno@example.com',
      subscriptions: [
        {
          id: 5003,
          title: 'Starter plan',
          amount: 990,
          currency: 'EUR',
          interval: 'monthly',
          status: 'cancelled',
          nextDate: '2026-11-30',
        },
      ],
    },
    { id: 1003, firstName: 'Chiara', lastName: 'Rossi', email: 'chiara@example.com', subscriptions: [] },
  ],
} as const satisfies OkePaySeed;

/** The message the real API gives when a signature does not match the instance secret. */
export const OKEPAY_WRONG_SECRET = 'Instance name or secret is wrong';

const AUTH_TOKEN_PATH = /^\/api\/v1(?:\.0)?\/AuthToken(?:\/0)?\/?$/;
const RETRIEVE_PATH = /^\/api\/v1(?:\.0)?\/(Transaction|Subscription)\/(\d{1,10})\/?$/;
const PORTAL_PATH = /^\/portal\/([^/]+)(\/logout)?\/?$/;
const SESSION_COOKIE = 'okepay_session';
/** AuthToken bodies are a few short fields. */
const MAX_BODY_CHARS = 16 * 1024;
/** Housekeeping threshold: expired tokens and sessions are swept once this many are held. */
const SWEEP_AT = 1000;

interface LoginToken {
  contactId: number;
  expiresAt: number;
  used: boolean;
}

interface PortalSession {
  contactId: number;
  expiresAt: number;
}

const refuse = (status: number, message: string, headers?: HeadersInit) =>
  json({ status: 'error', message }, status, headers);

/** `2026-08-04 10:00:00` in UTC, the date format observed in the AuthToken answer. */
function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function formatMoney(amount: number, currency: string): string {
  return `${currency} ${(amount / 100).toFixed(2)}`;
}

function validateSeed(seed: OkePaySeed): void {
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(seed.instance)) {
    throw new TypeError(`OkePay seed: instance "${seed.instance}" must be letters, digits and dashes.`);
  }
  if (seed.secret.length === 0) throw new TypeError('OkePay seed: secret must not be empty.');
  const ids = new Set<number>();
  for (const c of seed.contacts) {
    if (!Number.isSafeInteger(c.id) || c.id <= 0)
      throw new TypeError(`OkePay seed: contact id ${c.id} is not a positive integer.`);
    if (ids.has(c.id)) throw new TypeError(`OkePay seed: contact id ${c.id} appears twice.`);
    ids.add(c.id);
  }
}

/** A payment, as the Transaction API and the transaction webhook show it. */
export interface OkePayTransaction {
  id: number;
  status: 'confirmed' | 'cancelled';
  time: string;
  contactId: number;
  subscriptionId: number | null;
}

/** Customer activity the sandbox can act out; each returns the object a webhook carries. */
export interface OkePaySimulation {
  /** A new (or known, by email) contact buys a subscription and pays its first period. */
  subscribe(input: { email: string; firstName?: string; lastName?: string; title?: string }): {
    transaction: Record<string, unknown>;
  };
  /** The next period of a subscription is paid. */
  renew(subscriptionId: number): { transaction: Record<string, unknown> } | null;
  /** The customer cancels a subscription. */
  cancel(subscriptionId: number): { subscription: Record<string, unknown> } | null;
}

export type OkePaySandbox = ProviderSandbox & { readonly simulate: OkePaySimulation };

/** The OkePay simulator. `handle` gets paths below `/okepay`. */
export function createOkePaySandbox(ctx: SandboxContext, seed: OkePaySeed = OKEPAY_DEMO): OkePaySandbox {
  validateSeed(seed);
  const tokenTtlMs = (seed.tokenTtlSeconds ?? 600) * 1000;
  const sessionTtlMs = (seed.sessionTtlSeconds ?? 3600) * 1000;
  // Copies, so customers who sign up in the sandbox change nothing shared.
  const contacts = new Map<number, OkePayContact>(
    seed.contacts.map((c) => [c.id, { ...c, subscriptions: c.subscriptions.map((s) => ({ ...s })) }]),
  );
  const transactions = new Map<number, OkePayTransaction>();
  let nextContactId = Math.max(1000, ...seed.contacts.map((c) => c.id)) + 1;
  let nextSubscriptionId =
    Math.max(5000, ...seed.contacts.flatMap((c) => c.subscriptions.map((s) => s.id))) + 1;
  let nextTransactionId = 70_001;
  const tokens = new Map<string, LoginToken>();
  const sessions = new Map<string, PortalSession>();
  const portalPath = `${new URL(ctx.baseUrl).pathname.replace(/\/$/, '')}/okepay/portal/${seed.instance}/`;
  const secure = ctx.baseUrl.startsWith('https:') ? '; Secure' : '';

  function sweep<T extends { expiresAt: number }>(map: Map<string, T>): void {
    if (map.size < SWEEP_AT) return;
    const now = ctx.now();
    for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
  }

  async function signatureMatches(signature: string, signed: string): Promise<boolean> {
    const given = decodeBase64(signature);
    const expected = await hmac(seed.secret, signed);
    return given !== null && constantTimeEqual(given, expected);
  }

  /** Newer Payrexx versions accept the secret itself in `X-API-KEY`; compared as HMACs so length leaks nothing. */
  async function apiKeyMatches(key: string): Promise<boolean> {
    const [a, b] = await Promise.all([hmac(seed.secret, key), hmac(seed.secret, seed.secret)]);
    return constantTimeEqual(a, b);
  }

  async function authToken(request: Request): Promise<Response> {
    if (request.method !== 'POST') return refuse(405, 'Method not allowed: use POST.', { allow: 'POST' });
    if (!hasMediaType(request, 'application/x-www-form-urlencoded')) {
      return refuse(415, 'The request body must be application/x-www-form-urlencoded.');
    }
    const text = await request.text();
    if (text.length > MAX_BODY_CHARS) return refuse(413, 'The request body is too large.');
    const form = parsePhpForm(text);
    const bodyInstance = form.get('instance');
    const instance =
      new URL(request.url).searchParams.get('instance') ??
      (typeof bodyInstance === 'string' ? bodyInstance : null);
    if (!instance) return refuse(400, 'The instance name is missing (?instance=).');
    // Unknown instance and wrong secret look the same to a caller, as they do on the real API.
    if (instance !== seed.instance) return refuse(403, OKEPAY_WRONG_SECRET);

    const apiKey = request.headers.get('x-api-key');
    const signature = form.get('ApiSignature');
    if (apiKey !== null) {
      if (!(await apiKeyMatches(apiKey))) return refuse(403, OKEPAY_WRONG_SECRET);
    } else if (typeof signature !== 'string' || signature === '') {
      return refuse(403, 'ApiSignature is missing.');
    } else if (!(await signatureMatches(signature, okePaySignedString(form)))) {
      return refuse(403, OKEPAY_WRONG_SECRET);
    }

    const userId = form.get('userId');
    if (userId === undefined || userId === '') return refuse(400, 'userId is required.');
    if (typeof userId !== 'string' || !/^[1-9]\d{0,9}$/.test(userId) || Number(userId) > 2_147_483_647) {
      return refuse(400, 'userId must be a positive integer (a contact id).');
    }
    const contact = contacts.get(Number(userId));
    if (!contact) return refuse(404, `No contact with id ${userId} in this instance.`);

    sweep(tokens);
    const token = randomToken(24);
    const expiresAt = ctx.now() + tokenTtlMs;
    tokens.set(token, { contactId: contact.id, expiresAt, used: false });
    return json({
      status: 'success',
      data: [
        {
          authToken: token,
          authTokenExpirationDate: formatDate(expiresAt),
          link: `${ctx.baseUrl}/okepay/portal/${seed.instance}/?login-token=${encodeURIComponent(token)}`,
        },
      ],
    });
  }

  function portalError(status: number, title: string, message: string): Response {
    return html(
      okepayPortalPage(
        seed.instance,
        title,
        `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert" data-testid="portal-error">${escapeHtml(message)}</p>
<p class="note">Ask the shop you bought from for a new login link.</p>`,
      ),
      status,
    );
  }

  function portalPage(contact: OkePayContact): Response {
    const items = contact.subscriptions
      .map(
        (s) =>
          `<li data-testid="portal-subscription" data-subscription-id="${s.id}">${escapeHtml(s.title)}: ` +
          `${escapeHtml(formatMoney(s.amount, s.currency))} ${escapeHtml(s.interval)}, ` +
          `<span data-state="${s.status}">${s.status === 'active' ? `active, next payment ${escapeHtml(s.nextDate)}` : `cancelled, ends ${escapeHtml(s.nextDate)}`}</span></li>`,
      )
      .join('\n');
    const name = `${contact.firstName} ${contact.lastName}`;
    return html(
      okepayPortalPage(
        seed.instance,
        'Subscriptions',
        `<h1>${escapeHtml(seed.instance)}: your subscriptions</h1>
<p>Logged in as <strong data-testid="portal-contact-name">${escapeHtml(name)}</strong>
(contact #<span data-testid="portal-contact-id">${contact.id}</span>, ${escapeHtml(contact.email)})</p>
<h2>Subscriptions</h2>
<ul data-testid="portal-subscriptions">
${items}
</ul>
${contact.subscriptions.length === 0 ? '<p>No subscriptions.</p>' : ''}
<form method="post" action="${escapeHtml(portalPath)}logout"><button type="submit">Log out</button></form>`,
      ),
    );
  }

  function portal(request: Request, instance: string, logout: boolean): Response {
    if (instance !== seed.instance)
      return portalError(404, 'Unknown shop', 'There is no OkePay shop at this address.');
    const cookie = (value: string, maxAge: number) =>
      `${SESSION_COOKIE}=${value}; Path=${portalPath}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;

    if (logout) {
      if (request.method !== 'POST')
        return portalError(405, 'Method not allowed', 'Log out with the button on the portal page.');
      const sid = readCookie(request, SESSION_COOKIE);
      if (sid) sessions.delete(sid);
      return new Response(null, {
        status: 303,
        headers: { location: portalPath, 'set-cookie': cookie('', 0) },
      });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return portalError(405, 'Method not allowed', 'The portal is opened with a link.');
    }

    const loginToken = new URL(request.url).searchParams.get('login-token');
    const now = ctx.now();
    if (loginToken !== null) {
      const entry = tokens.get(loginToken);
      if (!entry) return portalError(403, 'Login link not valid', 'This login link is not valid.');
      if (entry.used)
        return portalError(403, 'Login link already used', 'This login link has already been used.');
      if (entry.expiresAt <= now)
        return portalError(403, 'Login link expired', 'This login link has expired.');
      entry.used = true;
      sweep(sessions);
      const sid = randomToken(24);
      sessions.set(sid, { contactId: entry.contactId, expiresAt: now + sessionTtlMs });
      // Redirect to a clean URL so the spent token is not left in history or Referer headers.
      return new Response(null, {
        status: 303,
        headers: {
          location: `${ctx.baseUrl}/okepay/portal/${seed.instance}/`,
          'set-cookie': cookie(sid, Math.floor(sessionTtlMs / 1000)),
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        },
      });
    }

    const sid = readCookie(request, SESSION_COOKIE);
    const session = sid ? sessions.get(sid) : undefined;
    if (!session || session.expiresAt <= now) {
      return portalError(401, 'Not logged in', 'You are not logged in. Open the login link from the shop.');
    }
    const contact = contacts.get(session.contactId);
    if (!contact) return portalError(404, 'Unknown contact', 'This contact no longer exists.');
    return portalPage(contact);
  }

  function contactObject(contact: OkePayContact) {
    return { id: contact.id, email: contact.email, firstname: contact.firstName, lastname: contact.lastName };
  }

  function subscriptionObject(contact: OkePayContact, subscription: OkePaySubscription) {
    return {
      id: subscription.id,
      status: subscription.status,
      valid_until: subscription.nextDate,
      paymentInterval: subscription.interval,
      contact: contactObject(contact),
    };
  }

  function subscriptionOwner(subscriptionId: number) {
    for (const contact of contacts.values()) {
      const subscription = contact.subscriptions.find((s) => s.id === subscriptionId);
      if (subscription) return { contact, subscription };
    }
    return null;
  }

  function transactionObject(transaction: OkePayTransaction) {
    const contact = contacts.get(transaction.contactId)!;
    const owned = transaction.subscriptionId === null ? null : subscriptionOwner(transaction.subscriptionId);
    return {
      id: transaction.id,
      status: transaction.status,
      time: transaction.time,
      contact: contactObject(contact),
      subscription: owned ? subscriptionObject(owned.contact, owned.subscription) : null,
    };
  }

  function pay(contact: OkePayContact, subscription: OkePaySubscription) {
    const transaction: OkePayTransaction = {
      id: nextTransactionId++,
      status: 'confirmed',
      time: formatDate(ctx.now()),
      contactId: contact.id,
      subscriptionId: subscription.id,
    };
    transactions.set(transaction.id, transaction);
    return { transaction: transactionObject(transaction) };
  }

  const simulate: OkePaySimulation = {
    subscribe({ email, firstName = 'New', lastName = 'Customer', title = 'Pro plan' }) {
      const address = email.trim().toLowerCase();
      let contact = [...contacts.values()].find((c) => c.email.toLowerCase() === address);
      if (!contact) {
        contact = { id: nextContactId++, firstName, lastName, email: address, subscriptions: [] };
        contacts.set(contact.id, contact);
      }
      const subscription: OkePaySubscription = {
        id: nextSubscriptionId++,
        title,
        amount: 1990,
        currency: 'CHF',
        interval: 'monthly',
        status: 'active',
        nextDate: new Date(ctx.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      };
      contact.subscriptions.push(subscription);
      return pay(contact, subscription);
    },
    renew(subscriptionId) {
      const owned = subscriptionOwner(subscriptionId);
      if (!owned || owned.subscription.status !== 'active') return null;
      owned.subscription.nextDate = new Date(Date.parse(owned.subscription.nextDate) + 30 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      return pay(owned.contact, owned.subscription);
    },
    cancel(subscriptionId) {
      const owned = subscriptionOwner(subscriptionId);
      if (!owned) return null;
      owned.subscription.status = 'cancelled';
      return { subscription: subscriptionObject(owned.contact, owned.subscription) };
    },
  };

  /**
   * `GET {apiBase}/v1.0/Transaction/{id}/` and `Subscription/{id}/` (PROVIDERS.md §5): signed like
   * the AuthToken API, with the parameters in the query string.
   */
  async function retrieve(request: Request, model: string, id: number): Promise<Response> {
    if (request.method !== 'GET') return refuse(405, 'Method not allowed: use GET.', { allow: 'GET' });
    const query = new URL(request.url).search.slice(1);
    if (query.length > MAX_BODY_CHARS) return refuse(413, 'The query is too large.');
    const form = parsePhpForm(query);
    if (form.get('instance') !== seed.instance) return refuse(403, OKEPAY_WRONG_SECRET);
    const apiKey = request.headers.get('x-api-key');
    const signature = form.get('ApiSignature');
    if (apiKey !== null) {
      if (!(await apiKeyMatches(apiKey))) return refuse(403, OKEPAY_WRONG_SECRET);
    } else if (typeof signature !== 'string' || signature === '') {
      return refuse(403, 'ApiSignature is missing.');
    } else if (!(await signatureMatches(signature, okePaySignedString(form)))) {
      return refuse(403, OKEPAY_WRONG_SECRET);
    }
    if (model === 'Transaction') {
      const transaction = transactions.get(id);
      if (!transaction) return refuse(404, `No transaction with id ${id}.`);
      return json({ status: 'success', data: [transactionObject(transaction)] });
    }
    const owned = subscriptionOwner(id);
    if (!owned) return refuse(404, `No subscription with id ${id}.`);
    return json({ status: 'success', data: [subscriptionObject(owned.contact, owned.subscription)] });
  }

  return {
    simulate,
    async handle(request, path) {
      if (AUTH_TOKEN_PATH.test(path)) return authToken(request);
      const retrieval = RETRIEVE_PATH.exec(path);
      if (retrieval) return retrieve(request, retrieval[1]!, Number(retrieval[2]));
      if (path === '/api' || path.startsWith('/api/'))
        return refuse(404, `No API endpoint at ${path.slice(4) || '/'}.`);
      const match = PORTAL_PATH.exec(path);
      if (match) return portal(request, match[1]!, match[2] !== undefined);
      return portalError(404, 'Not found', 'There is no OkePay page at this address.');
    },
  };
}
