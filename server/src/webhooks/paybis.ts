import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * Paybis `VERIFICATION_STATUS_UPDATED` webhooks (PROVIDERS.md §5): `partnerUserId` is the auth
 * key we created for the customer. Authenticated by the URL token and, when the connection has
 * Paybis's public key, by an RSA-PSS SHA-512 signature in `X-Request-Signature`.
 */

export class PaybisWebhookError extends Error {
  override name = 'PaybisWebhookError';
  constructor(
    readonly reason: 'malformed' | 'bad_signature',
    message: string,
  ) {
    super(message);
  }
}

export const PAYBIS_VERIFICATION_STATUSES = ['started', 'approved', 'failed'] as const;
export type PaybisVerificationStatus = (typeof PAYBIS_VERIFICATION_STATUSES)[number];

export interface PaybisVerificationEvent {
  authKey: string;
  status: PaybisVerificationStatus;
  /** When Paybis says it happened (ISO 8601), or null when it sent no usable timestamp. */
  occurredAt: string | null;
}

/** Events other than the verification update are acknowledged and ignored. */
export type PaybisEvent = PaybisVerificationEvent | { ignored: string };

const AUTH_KEY = /^[A-Za-z0-9_-]{8,128}$/;

function timestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const date = new Date(value > 1e12 ? value : value * 1000);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  return null;
}

export function readPaybisEvent(raw: string): PaybisEvent {
  let body: unknown;
  try {
    body = JSON.parse(raw) as unknown;
  } catch {
    throw new PaybisWebhookError('malformed', 'The body is not valid JSON.');
  }
  const root = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  if (!root || typeof root.event !== 'string') throw new PaybisWebhookError('malformed', 'No event name.');
  if (root.event !== 'VERIFICATION_STATUS_UPDATED') return { ignored: root.event.slice(0, 64) };
  const data =
    root.data !== null && typeof root.data === 'object' ? (root.data as Record<string, unknown>) : {};
  const authKey = data.partnerUserId;
  const status = data.status;
  if (typeof authKey !== 'string' || !AUTH_KEY.test(authKey)) {
    throw new PaybisWebhookError('malformed', 'data.partnerUserId is missing or malformed.');
  }
  if (typeof status !== 'string' || !(PAYBIS_VERIFICATION_STATUSES as readonly string[]).includes(status)) {
    throw new PaybisWebhookError('malformed', 'data.status must be started, approved or failed.');
  }
  return { authKey, status: status as PaybisVerificationStatus, occurredAt: timestamp(root.timestamp) };
}

/** Parses Paybis's public key (SPKI PEM) once, when the connection is configured. */
export function paybisPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new TypeError('The Paybis webhook key must be an RSA public key.');
  }
  return key;
}

/**
 * Checks base64 RSASSA-PSS (SHA-512, MGF1-SHA-512, salt 64) as Paybis signs requests: over the
 * lowercase hex SHA-512 of the raw body. That webhooks are signed the same way is inferred, so a
 * signature over the raw body itself is accepted too.
 */
export function verifyPaybisSignature(key: KeyObject, raw: Uint8Array, header: string | undefined): void {
  if (header === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(header.trim())) {
    throw new PaybisWebhookError('bad_signature', 'X-Request-Signature is missing or not base64.');
  }
  const signature = Buffer.from(header.trim(), 'base64');
  const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };
  const digest = Buffer.from(createHash('sha512').update(raw).digest('hex'), 'ascii');
  if (verify('sha512', digest, options, signature) || verify('sha512', raw, options, signature)) return;
  throw new PaybisWebhookError('bad_signature', 'X-Request-Signature does not match.');
}
