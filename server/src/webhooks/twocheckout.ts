import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TwoCheckoutConfig } from '../config.ts';
import { usableEmail } from '../store/email.ts';

/**
 * 2Checkout IPN and LCN notifications (PROVIDERS.md §5): form-encoded posts signed with an HMAC
 * over every field in the order received, answered with a signed read receipt so 2Checkout
 * stops retrying.
 */

export type TwoCheckoutHashAlgo = TwoCheckoutConfig['hashAlgo'];

/** A form body as received: every field in order, repeated keys (`IPN_PID[]`) kept apart. */
export type FormFields = ReadonlyArray<readonly [string, string]>;

/** The field that carries the signature for each algorithm. */
export const SIGNATURE_FIELD: Record<TwoCheckoutHashAlgo, string> = {
  md5: 'HASH',
  sha256: 'SIGNATURE_SHA2_256',
  'sha3-256': 'SIGNATURE_SHA3_256',
};
const SIGNATURE_FIELDS = new Set(Object.values(SIGNATURE_FIELD));

/** Thrown for a notification that cannot be read or whose signature does not match. */
export class TwoCheckoutWebhookError extends Error {
  override name = 'TwoCheckoutWebhookError';
  constructor(
    readonly reason: 'malformed' | 'bad_signature',
    message: string,
  ) {
    super(message);
  }
}

/** Parses an `application/x-www-form-urlencoded` body, keeping order and repeated keys. */
export function parseForm(raw: string): FormFields {
  return [...new URLSearchParams(raw)];
}

/** `byteLength(value) + value`; an empty value contributes `0`. */
export function lengthPrefixed(value: string): string {
  return value === '' ? '0' : `${Buffer.byteLength(value, 'utf8')}${value}`;
}

/** The string a notification's signature covers: every field but the signatures, in order received. */
export function signedString(fields: FormFields): string {
  let out = '';
  for (const [name, value] of fields) {
    if (!SIGNATURE_FIELDS.has(name)) out += lengthPrefixed(value);
  }
  return out;
}

export function hmacHex(algo: TwoCheckoutHashAlgo, key: string, message: string): string {
  return createHmac(algo, key).update(message, 'utf8').digest('hex');
}

/** Hex strings compared case-insensitively in constant time (lengths are not secret). */
export function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.trim().toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the signature the connection's algorithm names (and only that one: an MD5 `HASH` is
 * not accepted when the connection uses SHA-256). Throws `TwoCheckoutWebhookError` otherwise.
 */
export function verifyTwoCheckoutNotification(
  fields: FormFields,
  secretKey: string,
  algo: TwoCheckoutHashAlgo,
): void {
  const signatureField = SIGNATURE_FIELD[algo];
  const received = fields.filter(([name]) => name === signatureField);
  if (received.length !== 1) {
    throw new TwoCheckoutWebhookError('bad_signature', `Send exactly one ${signatureField} field.`);
  }
  const expected = hmacHex(algo, secretKey, signedString(fields));
  if (!sameHex(expected, received[0]![1])) {
    throw new TwoCheckoutWebhookError('bad_signature', `${signatureField} does not match.`);
  }
}

/** `YmdHis` in GMT: the `DATE` of a read receipt. */
export function receiptDate(now: Date): string {
  return now.toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

function receiptTag(algo: TwoCheckoutHashAlgo, date: string, hash: string): string {
  return algo === 'md5'
    ? `<EPAYMENT>${date}|${hash}</EPAYMENT>`
    : `<sig algo="${algo}" date="${date}">${hash}</sig>`;
}

function first(fields: FormFields, name: string): string {
  return fields.find(([key]) => key === name)?.[1] ?? '';
}

/** LCN read receipt: HMAC over `LICENSE_CODE`, `EXPIRATION_DATE` and `DATE`, each length-prefixed. */
export function lcnReceipt(
  fields: FormFields,
  secretKey: string,
  algo: TwoCheckoutHashAlgo,
  now: Date,
): string {
  const date = receiptDate(now);
  const message =
    lengthPrefixed(first(fields, 'LICENSE_CODE')) +
    lengthPrefixed(first(fields, 'EXPIRATION_DATE')) +
    lengthPrefixed(date);
  return receiptTag(algo, date, hmacHex(algo, secretKey, message));
}

/** IPN read receipt: HMAC over `IPN_PID[0]`, `IPN_PNAME[0]`, `IPN_DATE` and `DATE`, each length-prefixed. */
export function ipnReceipt(
  fields: FormFields,
  secretKey: string,
  algo: TwoCheckoutHashAlgo,
  now: Date,
): string {
  const date = receiptDate(now);
  const message =
    lengthPrefixed(firstOfList(fields, 'IPN_PID')) +
    lengthPrefixed(firstOfList(fields, 'IPN_PNAME')) +
    lengthPrefixed(first(fields, 'IPN_DATE')) +
    lengthPrefixed(date);
  return receiptTag(algo, date, hmacHex(algo, secretKey, message));
}

/** The first element of a list field, sent as `NAME[]` (or `NAME[0]`). */
function firstOfList(fields: FormFields, name: string): string {
  return fields.find(([key]) => key === `${name}[]` || key === `${name}[0]`)?.[1] ?? '';
}

function allOfList(fields: FormFields, name: string): string[] {
  const prefix = `${name}[`;
  return fields.filter(([key]) => key.startsWith(prefix) && key.endsWith(']')).map(([, value]) => value);
}

/** What the customer directory learns about one subscription. */
export interface TwoCheckoutSubscriptionFact {
  reference: string;
  email: string | null;
  status: string;
  /** ISO 8601, or null when 2Checkout sent none. */
  expiresAt: string | null;
  disabled: boolean;
}

export interface TwoCheckoutNotification {
  kind: 'ipn' | 'lcn';
  /** When 2Checkout says the change happened (ISO 8601): orders events per subscription. */
  occurredAt: string;
  subscriptions: TwoCheckoutSubscriptionFact[];
}

const REFERENCE = /^[A-Za-z0-9_-]{1,64}$/;

/** `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or `YmdHis`, all GMT, as ISO 8601; null when empty or unreadable. */
export function twoCheckoutDate(value: string): string | null {
  const text = value.trim();
  let match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  match ??= /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(ms);
  if (Number.isNaN(ms) || date.getUTCDate() !== Number(d)) return null;
  return date.toISOString();
}

/**
 * Reads a verified notification: an LCN (`LICENSE_CODE`) or an IPN (`REFNO`, one subscription per
 * `IPN_LICENSE_REF[]`). Throws `TwoCheckoutWebhookError('malformed')` for anything else.
 */
export function readTwoCheckoutNotification(fields: FormFields): TwoCheckoutNotification {
  const licenseCode = first(fields, 'LICENSE_CODE');
  if (licenseCode !== '') {
    if (!REFERENCE.test(licenseCode)) throw malformed('LICENSE_CODE is not a subscription reference.');
    const occurredAt = twoCheckoutDate(first(fields, 'DATE_UPDATED'));
    if (occurredAt === null) throw malformed('DATE_UPDATED is missing or not a date.');
    const disabled = first(fields, 'DISABLED') === '1';
    const expired = first(fields, 'EXPIRED') === '1';
    const status = first(fields, 'STATUS').trim().toLowerCase();
    return {
      kind: 'lcn',
      occurredAt,
      subscriptions: [
        {
          reference: licenseCode,
          email: usableEmail(first(fields, 'EMAIL')),
          status:
            status !== '' ? status.slice(0, 32) : disabled ? 'disabled' : expired ? 'expired' : 'active',
          expiresAt: twoCheckoutDate(first(fields, 'EXPIRATION_DATE')),
          disabled,
        },
      ],
    };
  }
  if (first(fields, 'REFNO') !== '') {
    const occurredAt = twoCheckoutDate(first(fields, 'IPN_DATE'));
    if (occurredAt === null) throw malformed('IPN_DATE is missing or not a date.');
    const orderStatus = first(fields, 'ORDERSTATUS').trim().toLowerCase().slice(0, 32) || 'unknown';
    const email = usableEmail(first(fields, 'CUSTOMEREMAIL'));
    const expiries = allOfList(fields, 'IPN_LICENSE_EXP');
    const references = allOfList(fields, 'IPN_LICENSE_REF');
    const subscriptions: TwoCheckoutSubscriptionFact[] = [];
    references.forEach((reference, index) => {
      if (reference === '') return; // A product without a subscription.
      if (!REFERENCE.test(reference))
        throw malformed('IPN_LICENSE_REF[] holds a value that is not a reference.');
      subscriptions.push({
        reference,
        email,
        status: orderStatus === 'complete' ? 'active' : orderStatus,
        expiresAt: twoCheckoutDate(expiries[index] ?? ''),
        disabled: false,
      });
    });
    return { kind: 'ipn', occurredAt, subscriptions };
  }
  throw malformed('Neither an LCN (LICENSE_CODE) nor an IPN (REFNO).');
}

function malformed(message: string): TwoCheckoutWebhookError {
  return new TwoCheckoutWebhookError('malformed', message);
}

/** The read receipt for a notification of this kind. */
export function readReceipt(
  kind: TwoCheckoutNotification['kind'],
  fields: FormFields,
  secretKey: string,
  algo: TwoCheckoutHashAlgo,
  now: Date,
): string {
  return kind === 'lcn' ? lcnReceipt(fields, secretKey, algo, now) : ipnReceipt(fields, secretKey, algo, now);
}
