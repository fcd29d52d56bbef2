/**
 * Web Crypto helpers for the Paybis sandbox. Web Crypto (not node:crypto) so the same code runs
 * in Node, in MSW's browser worker set-up, and anywhere else a fetch handler can run.
 */

import { decodeBase64 } from './http.ts';

const encoder = new TextEncoder();

/** Lowercase hex SHA-512 of the bytes: the message Paybis signs instead of the body itself. */
export async function sha512Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', data as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Imports an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) RSA key for RSASSA-PSS with SHA-512. */
export async function importPaybisPublicKey(pem: string): Promise<CryptoKey> {
  const match = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem);
  const der = match?.[1] ? decodeBase64(match[1].replace(/\s+/g, '')) : null;
  if (!der) {
    throw new Error('Paybis sandbox: publicKeyPem must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----").');
  }
  return crypto.subtle.importKey('spki', der, { name: 'RSA-PSS', hash: 'SHA-512' }, false, ['verify']);
}

/**
 * Checks an `X-Request-Signature` exactly as Paybis documents it: base64 RSASSA-PSS (SHA-512,
 * MGF1-SHA-512, salt 64) over the ASCII lowercase hex SHA-512 digest of the raw body.
 */
export async function verifyPaybisSignature(
  publicKey: CryptoKey,
  rawBody: Uint8Array,
  signatureBase64: string,
): Promise<boolean> {
  const signature = decodeBase64(signatureBase64.trim());
  if (!signature) return false;
  const message = encoder.encode(await sha512Hex(rawBody));
  return crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 64 }, publicKey, signature, message);
}

/** Constant-time string equality: compares SHA-256 digests of both sides, so lengths leak nothing. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** A URL-safe random identifier with the given number of random bytes. */
export function randomToken(bytes = 24): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = '';
  for (const b of buf) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A six-digit one-time code. */
export function randomOtp(): string {
  const [n = 0] = crypto.getRandomValues(new Uint32Array(1));
  return String(n % 1_000_000).padStart(6, '0');
}
