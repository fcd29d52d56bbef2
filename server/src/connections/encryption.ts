import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of connection secrets: AES-256-GCM (node:crypto), a random 12-byte nonce per
 * value, and the account, provider, field and connection bound as associated data, so a
 * ciphertext copied to another row, field or account does not decrypt. Each ciphertext names the
 * key that sealed it (`v1.<keyId>.<nonce>.<sealed>`, base64url), so keys can be rotated while
 * older ciphertexts are still read with the previous key.
 */

export const ENCRYPTION_KEY_VARIABLE = 'HANDOFF_ENCRYPTION_KEY';
export const PREVIOUS_KEYS_VARIABLE = 'HANDOFF_ENCRYPTION_KEY_PREVIOUS';

const FORMAT = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  /** Short, public name of the key, written into each ciphertext it seals. */
  readonly id: string;
  readonly cipherKey: Buffer;
  /** Keys the fingerprints of secrets, so a fingerprint cannot confirm a guessed secret. */
  readonly fingerprintKey: Buffer;
}

export interface Keyring {
  /** Seals new values; null when no key is configured. */
  readonly current: EncryptionKey | null;
  /** Still accepted for reading, during a rotation. */
  readonly previous: readonly EncryptionKey[];
}

export const EMPTY_KEYRING: Keyring = { current: null, previous: [] };

/** Where a secret lives: bound into its ciphertext as associated data. */
export interface SecretContext {
  accountId: string;
  provider: string;
  connectionId: string;
  field: string;
}

/** A ciphertext that cannot be opened, or no key to seal with; the message names the variable. */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

function derive(master: Buffer, purpose: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `handoff ${purpose}`, length));
}

/**
 * A 32-byte key given as 64 hex digits or as base64 (standard or URL-safe, padded or not).
 * Throws with a message that names `variable` and says how to make a good key.
 */
export function parseEncryptionKey(text: string, variable: string): EncryptionKey {
  const value = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-f]{64}$/i.test(value)) {
    bytes = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const decoded = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === 32) bytes = decoded;
  }
  if (bytes === null) {
    throw new EncryptionKeyError(
      `${variable}: must be 32 random bytes as 64 hex digits or as base64 (make one with "openssl rand -base64 32")`,
    );
  }
  return {
    id: derive(bytes, 'key id v1', 4).toString('hex'),
    cipherKey: derive(bytes, 'connection secrets v1', 32),
    fingerprintKey: derive(bytes, 'secret fingerprints v1', 32),
  };
}

function associatedData({ accountId, provider, connectionId, field }: SecretContext): Buffer {
  return Buffer.from(JSON.stringify(['handoff connection secret', accountId, provider, connectionId, field]));
}

/** Seals `value` under the current key. */
export function encryptSecret(keyring: Keyring, value: string, context: SecretContext): string {
  const key = keyring.current;
  if (!key) {
    throw new EncryptionKeyError(
      `${ENCRYPTION_KEY_VARIABLE} is not set: it is needed to store provider secrets (make one with "openssl rand -base64 32")`,
    );
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.cipherKey, nonce);
  cipher.setAAD(associatedData(context));
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [FORMAT, key.id, nonce.toString('base64url'), sealed.toString('base64url')].join('.');
}

/** The id of the key that sealed `ciphertext`, or null when it is not one of ours. */
export function keyIdOf(ciphertext: string): string | null {
  const parts = ciphertext.split('.');
  return parts.length === 4 && parts[0] === FORMAT ? parts[1]! : null;
}

/** Opens a ciphertext with whichever configured key sealed it; throws EncryptionKeyError otherwise. */
export function decryptSecret(keyring: Keyring, ciphertext: string, context: SecretContext): string {
  const parts = ciphertext.split('.');
  const where = `the ${context.field} of account "${context.accountId}"'s ${context.provider} connection`;
  if (parts.length !== 4 || parts[0] !== FORMAT) {
    throw new EncryptionKeyError(`${where} is not a ciphertext this version can read`);
  }
  const [, keyId, nonceText, sealedText] = parts as [string, string, string, string];
  const key = [keyring.current, ...keyring.previous].find((candidate) => candidate?.id === keyId);
  if (!key) {
    throw new EncryptionKeyError(
      keyring.current === null
        ? `${ENCRYPTION_KEY_VARIABLE} is not set, but ${where} is stored encrypted (key ${keyId})`
        : `${where} was sealed with key ${keyId}, which is neither ${ENCRYPTION_KEY_VARIABLE} nor one of ${PREVIOUS_KEYS_VARIABLE}`,
    );
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const sealed = Buffer.from(sealedText, 'base64url');
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) {
    throw new EncryptionKeyError(`${where} is a damaged ciphertext`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.cipherKey, nonce);
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (cause) {
    throw new EncryptionKeyError(`${where} does not decrypt with key ${keyId}: damaged or moved`, { cause });
  }
}

/**
 * A short fingerprint of a secret, to tell two values apart without showing either: an HMAC keyed
 * by the current encryption key, so it changes when the key is rotated. Null without a key.
 */
export function fingerprint(keyring: Keyring, value: string): string | null {
  const key = keyring.current;
  if (!key) return null;
  return createHmac('sha256', key.fingerprintKey).update(value, 'utf8').digest('hex').slice(0, 12);
}
