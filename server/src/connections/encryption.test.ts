import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import {
  decryptSecret,
  encryptSecret,
  EncryptionKeyError,
  fingerprint,
  keyIdOf,
  parseEncryptionKey,
  type Keyring,
} from './encryption.ts';

const bytes = randomBytes(32);
const key = parseEncryptionKey(bytes.toString('base64'), 'HANDOFF_ENCRYPTION_KEY');
const other = parseEncryptionKey(randomBytes(32).toString('hex'), 'HANDOFF_ENCRYPTION_KEY');
const ring: Keyring = { current: key, previous: [] };
const where = { accountId: 'acme', provider: 'okepay', connectionId: 'c-1', field: 'secret' };

describe('connection secret encryption', () => {
  it('round-trips, with a fresh nonce each time and the key id in the text', () => {
    const a = encryptSecret(ring, 'top secret', where);
    const b = encryptSecret(ring, 'top secret', where);
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^v1\\.${key.id}\\.[\\w-]{16}\\.[\\w-]+$`));
    expect(keyIdOf(a)).toBe(key.id);
    expect(decryptSecret(ring, a, where)).toBe('top secret');
  });

  it('binds the account, provider, connection and field: a moved ciphertext does not open', () => {
    const sealed = encryptSecret(ring, 'top secret', where);
    for (const moved of [
      { ...where, accountId: 'rival' },
      { ...where, provider: 'paybis' },
      { ...where, connectionId: 'c-2' },
      { ...where, field: 'apiKey' },
    ]) {
      expect(() => decryptSecret(ring, sealed, moved)).toThrow(EncryptionKeyError);
    }
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA');
    expect(() => decryptSecret(ring, tampered, where)).toThrow(/damaged or moved/);
  });

  it('reads with a previous key during rotation, and names the variables when no key fits', () => {
    const sealed = encryptSecret({ current: other, previous: [] }, 'v', where);
    expect(decryptSecret({ current: key, previous: [other] }, sealed, where)).toBe('v');
    expect(() => decryptSecret(ring, sealed, where)).toThrow(
      /neither HANDOFF_ENCRYPTION_KEY nor one of HANDOFF_ENCRYPTION_KEY_PREVIOUS/,
    );
    expect(() => decryptSecret({ current: null, previous: [] }, sealed, where)).toThrow(
      /^HANDOFF_ENCRYPTION_KEY is not set/,
    );
    expect(() => encryptSecret({ current: null, previous: [] }, 'v', where)).toThrow(
      /HANDOFF_ENCRYPTION_KEY/,
    );
  });

  it('takes 32 bytes as hex or base64 and refuses anything else, naming the variable', () => {
    expect(parseEncryptionKey(bytes.toString('hex'), 'X').id).toBe(key.id);
    expect(parseEncryptionKey(bytes.toString('base64url'), 'X').id).toBe(key.id);
    for (const bad of ['', 'secret', randomBytes(16).toString('base64'), randomBytes(31).toString('hex')]) {
      expect(() => parseEncryptionKey(bad, 'HANDOFF_ENCRYPTION_KEY')).toThrow(
        /^HANDOFF_ENCRYPTION_KEY: must be 32/,
      );
    }
    expect(() => loadConfig({ HANDOFF_ENCRYPTION_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ HANDOFF_ENCRYPTION_KEY_PREVIOUS: bytes.toString('hex') })).toThrow(
      /set without HANDOFF_ENCRYPTION_KEY/,
    );
    const config = loadConfig({
      HANDOFF_ENCRYPTION_KEY: bytes.toString('hex'),
      HANDOFF_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('base64')}, ${randomBytes(32).toString('hex')}`,
    });
    expect(config.encryption.current?.id).toBe(key.id);
    expect(config.encryption.previous).toHaveLength(2);
  });

  it('fingerprints with a key, so a fingerprint does not confirm a guessed secret without it', () => {
    const print = fingerprint(ring, 'okepay-secret');
    expect(print).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint(ring, 'okepay-secret')).toBe(print);
    expect(fingerprint({ current: other, previous: [] }, 'okepay-secret')).not.toBe(print);
    expect(fingerprint({ current: null, previous: [] }, 'okepay-secret')).toBeNull();
  });
});
