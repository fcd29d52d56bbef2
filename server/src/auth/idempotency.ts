import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Keyring } from '../connections/encryption.ts';

/**
 * `Idempotency-Key` support for `POST /v1/customer-sessions`: a retried request with the same key
 * and body gets the same customer token back.
 *
 * Customer tokens are otherwise stored only as hashes, so answering the same token again needs it
 * kept reversibly for the key's day. It is sealed with AES-256-GCM under a key derived (HKDF-SHA256,
 * random salt per record, the API user as context) from the Idempotency-Key itself, which the
 * database does not hold (it stores only the key's SHA-256 to find the record), together with a
 * secret derived from the server's `HANDOFF_ENCRYPTION_KEY` when one is set. So reading the
 * database, even with a guessable key, yields no token without the server's key; the record, and
 * with it the sealed token, is deleted a day after it was made.
 */

/** 1-255 printable ASCII characters, as Stripe and the IETF draft allow. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** How long a key is remembered. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export function hashIdempotencyKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level: equal for equal bodies, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 hex of the canonical form of a request body. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The server's part of each sealing key: sealed with the current key, opened with any still known. */
export interface IdempotencySecrets {
  seal: Buffer | null;
  /** The current key, the previous ones, and none (a record sealed before a key was set). */
  open: ReadonlyArray<Buffer | null>;
}

export function idempotencySecrets(keyring: Keyring): IdempotencySecrets {
  const derive = (cipherKey: Buffer) =>
    Buffer.from(hkdfSync('sha256', cipherKey, Buffer.alloc(0), 'handoff idempotency server secret', 32));
  const seal = keyring.current === null ? null : derive(keyring.current.cipherKey);
  return { seal, open: [seal, ...keyring.previous.map((key) => derive(key.cipherKey)), null] };
}

function sealingKey(idempotencyKey: string, salt: Buffer, scope: string, server: Buffer | null): Buffer {
  const key = Buffer.from(idempotencyKey, 'utf8');
  // The server secret has a fixed length, so the concatenation is unambiguous.
  const material = server === null ? key : Buffer.concat([server, key]);
  return Buffer.from(hkdfSync('sha256', material, salt, `handoff idempotency ${scope}`, 32));
}

/** `token` encrypted under `idempotencyKey` (and the server secret), bound to `scope` (the API user): salt ‖ iv ‖ ciphertext ‖ tag, base64url. */
export function sealToken(
  token: string,
  idempotencyKey: string,
  scope: string,
  server: Buffer | null = null,
): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(idempotencyKey, salt, scope, server), iv);
  const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([salt, iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/** The token sealed by `sealToken`, or null when the key, scope, server secret or record does not match. */
export function openToken(
  sealed: string,
  idempotencyKey: string,
  scope: string,
  servers: ReadonlyArray<Buffer | null> = [null],
): string | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= SALT_BYTES + IV_BYTES + TAG_BYTES) return null;
  const salt = bytes.subarray(0, SALT_BYTES);
  const iv = bytes.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const ciphertext = bytes.subarray(SALT_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  for (const server of servers) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', sealingKey(idempotencyKey, salt, scope, server), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Not this secret; try the next.
    }
  }
  return null;
}
