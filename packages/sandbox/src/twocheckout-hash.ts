/**
 * The 2Checkout login hash: hex HMAC of `byteLength(merchantCode) + merchantCode + byteLength(date) + date`,
 * keyed with the merchant's secret key. HMAC-MD5 historically; SHA-256 and SHA3-256 when named.
 *
 * Web Crypto has neither MD5 nor SHA3, so the sandbox uses node:crypto where it exists. It is
 * reached through `process.getBuiltinModule` rather than an import so that the sandbox still
 * loads in a browser (MSW), where only SHA-256 is then available.
 */

import type * as NodeCryptoModule from 'node:crypto';

export type TwoCheckoutHashAlgo = 'md5' | 'sha256' | 'sha3-256';

type NodeCrypto = typeof NodeCryptoModule;

function nodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

const encoder = new TextEncoder();

/** The string the login hash signs. Lengths are UTF-8 byte lengths, as PHP's strlen counts them. */
export function loginHashInput(merchantCode: string, date: string): string {
  return `${encoder.encode(merchantCode).byteLength}${merchantCode}${encoder.encode(date).byteLength}${date}`;
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex HMAC of `message` under `key`, or null when this runtime cannot compute `algo`. */
export async function hmacHex(
  algo: TwoCheckoutHashAlgo,
  key: string,
  message: string,
): Promise<string | null> {
  const node = nodeCrypto();
  if (node) return node.createHmac(algo, key).update(message, 'utf8').digest('hex');
  if (algo !== 'sha256') return null;
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return toHex(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
}

/** The login hash for a merchant and date. */
export function loginHash(
  algo: TwoCheckoutHashAlgo,
  secretKey: string,
  merchantCode: string,
  date: string,
): Promise<string | null> {
  return hmacHex(algo, secretKey, loginHashInput(merchantCode, date));
}

/**
 * Compares two strings without leaking where they differ: both sides are HMAC'd under a fresh
 * random key, and the (fixed-length, unpredictable) digests are compared.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    'raw',
    crypto.getRandomValues(new Uint8Array(32)),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const [da, db] = await Promise.all([
    crypto.subtle.sign('HMAC', key, encoder.encode(a)),
    crypto.subtle.sign('HMAC', key, encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
