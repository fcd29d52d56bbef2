import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Token prefixes: a token's kind shows in its shape, so a misplaced token is refused before any look-up. */
export const SESSION_TOKEN_PREFIX = 'hs_';
export const API_KEY_PREFIX = 'hk_';
export { CUSTOMER_TOKEN_PREFIX } from './customer.ts';

/** 32 random bytes, base64url, behind a kind prefix. */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** 32 bytes in base64url without padding: 43 characters. */
const API_KEY_ID = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`);

/** Whether `value` has the exact shape of an API key id (`newToken(API_KEY_PREFIX)`). */
export function isApiKeyId(value: string): boolean {
  return API_KEY_ID.test(value);
}

/** An API secret: 32 random bytes, base64url, no prefix (it is only ever sent with its key id). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * SHA-256 hex of a token or API secret. These are 256-bit random values, not passwords, so a
 * fast hash is right: nothing to brute-force, and a slow KDF would only cost every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time equality of two hex SHA-256 digests (always equal length by construction). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
