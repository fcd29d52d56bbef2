import { createHmac, timingSafeEqual } from 'node:crypto';
import { usableEmail } from '../store/email.ts';

/**
 * OkePay (Payrexx) webhooks (PROVIDERS.md §5). Payrexx does not sign them, so a delivery only
 * names what changed (a transaction or a subscription, by id) and who it says it concerns; the
 * facts themselves are taken from the signed API (`Transaction/{id}/`, `Subscription/{id}/`).
 */

export class OkePayWebhookError extends Error {
  override name = 'OkePayWebhookError';
  constructor(
    readonly reason: 'malformed' | 'bad_signature',
    message: string,
  ) {
    super(message);
  }
}

type Nested = { [key: string]: Nested | string };

/** Deeper nesting than any Payrexx payload has is refused rather than followed. */
const MAX_DEPTH = 8;
const MAX_FIELDS = 1000;
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Parses a PHP form post with bracketed keys (`transaction[contact][id]=7`, `a[]=x`) into nested
 * objects, as PHP fills `$_POST`. Objects have no prototype, so no key can reach one.
 */
export function parsePhpForm(raw: string): Nested {
  const root: Nested = Object.create(null) as Nested;
  let count = 0;
  for (const [name, value] of new URLSearchParams(raw)) {
    if (++count > MAX_FIELDS) throw malformed('Too many fields.');
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
    if (!match) throw malformed(`Field name "${name.slice(0, 40)}" is not a PHP form key.`);
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (path.length > MAX_DEPTH) throw malformed('Field names nest too deeply.');
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let key = path[i]!;
      if (FORBIDDEN_KEYS.has(key)) throw malformed(`Field name "${key}" is not allowed.`);
      if (key === '') key = String(Object.keys(node).length);
      if (i === path.length - 1) {
        node[key] = value;
        break;
      }
      const next = node[key];
      if (typeof next === 'object') {
        node = next;
      } else {
        const child = Object.create(null) as Nested;
        node[key] = child;
        node = child;
      }
    }
  }
  return root;
}

/** What a delivery names; nothing of it is trusted until the API confirms it. */
export interface OkePayDelivery {
  kind: 'transaction' | 'subscription';
  /** The id to re-fetch. */
  id: number;
  /** What the delivery claims, compared with the API's answer. */
  claimed: { contactId: number | null; email: string | null };
}

const MAX_ID = 2_147_483_647;

function positiveId(value: unknown): number | null {
  const number = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0 && number <= MAX_ID
    ? number
    : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * Reads a delivery in either encoding a merchant can choose: PHP form post or JSON, a
 * transaction (`{transaction: {…}}`) or a subscription alone (`{subscription: {…}}`).
 */
export function readOkePayDelivery(contentType: string, raw: string): OkePayDelivery {
  let body: unknown;
  if (/^application\/json\s*(;|$)/i.test(contentType)) {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      throw malformed('The body is not valid JSON.');
    }
  } else if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    body = parsePhpForm(raw);
  } else {
    throw malformed('Send the webhook as application/x-www-form-urlencoded or application/json.');
  }
  const root = record(body);
  const transaction = record(root?.transaction);
  const subscription = record(root?.subscription);
  const object = transaction ?? subscription;
  if (!object) throw malformed('The body holds neither a transaction nor a subscription.');
  const id = positiveId(object.id);
  if (id === null) throw malformed('The id is missing or not a positive integer.');
  const contact = record(object.contact);
  return {
    kind: transaction ? 'transaction' : 'subscription',
    id,
    claimed: { contactId: positiveId(contact?.id), email: usableEmail(contact?.email) },
  };
}

/** What the customer directory learns, taken from the API's answer. */
export interface OkePayContactFact {
  contactId: number;
  email: string;
  subscriptionId: number | null;
  subscriptionStatus: string | null;
}

/**
 * Reads the object the API returned for a re-fetch: a transaction (with `contact` and maybe
 * `subscription`) or a subscription (with `contact`). Null when it names no usable contact.
 */
export function readOkePayObject(kind: OkePayDelivery['kind'], object: unknown): OkePayContactFact | null {
  const data = record(object);
  const contact = record(data?.contact);
  const contactId = positiveId(contact?.id);
  const email = usableEmail(contact?.email);
  if (!data || contactId === null || email === null) return null;
  const subscription = kind === 'subscription' ? data : record(data.subscription);
  const status = subscription && typeof subscription.status === 'string' ? subscription.status : null;
  return {
    contactId,
    email,
    subscriptionId: subscription ? positiveId(subscription.id) : null,
    subscriptionStatus: status !== null && /^[a-z_-]{1,32}$/i.test(status) ? status.toLowerCase() : null,
  };
}

/** Whether the API's answer agrees with what the delivery claimed (what it did not claim agrees). */
export function agrees(claimed: OkePayDelivery['claimed'], fact: OkePayContactFact): boolean {
  return (
    (claimed.contactId === null || claimed.contactId === fact.contactId) &&
    (claimed.email === null || claimed.email === fact.email)
  );
}

/** The optional `X-Webhook-Signature`: hex HMAC-SHA256 of the raw body under the signing key. */
export function verifyOkePaySignature(signingKey: string, raw: Uint8Array, header: string | undefined): void {
  if (header === undefined) throw new OkePayWebhookError('bad_signature', 'X-Webhook-Signature is missing.');
  const expected = Buffer.from(createHmac('sha256', signingKey).update(raw).digest('hex'), 'utf8');
  const received = Buffer.from(header.trim().toLowerCase(), 'utf8');
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
    throw new OkePayWebhookError('bad_signature', 'X-Webhook-Signature does not match.');
  }
}

function malformed(message: string): OkePayWebhookError {
  return new OkePayWebhookError('malformed', message);
}
