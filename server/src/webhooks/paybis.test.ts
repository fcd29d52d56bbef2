import { constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paybisPublicKey, PaybisWebhookError, readPaybisEvent, verifyPaybisSignature } from './paybis.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };

function signDigest(raw: Uint8Array, key = privateKey): string {
  const digest = Buffer.from(createHash('sha512').update(raw).digest('hex'), 'ascii');
  return sign('sha512', digest, { key, ...pss }).toString('base64');
}

const body = JSON.stringify({
  event: 'VERIFICATION_STATUS_UPDATED',
  data: { partnerUserId: 'pb_0123456789abcdef', status: 'approved', residenceCountry: 'CH' },
  timestamp: 1_780_000_000,
});

describe('Paybis webhooks', () => {
  it('reads a verification update', () => {
    expect(readPaybisEvent(body)).toEqual({
      authKey: 'pb_0123456789abcdef',
      status: 'approved',
      occurredAt: new Date(1_780_000_000_000).toISOString(),
    });
  });

  it('ignores other events and refuses malformed ones', () => {
    expect(readPaybisEvent('{"event":"TRANSACTION_STATUS_UPDATED","data":{}}')).toEqual({
      ignored: 'TRANSACTION_STATUS_UPDATED',
    });
    for (const bad of [
      '',
      'null',
      '{"data":{}}',
      '{"event":"VERIFICATION_STATUS_UPDATED","data":{"partnerUserId":"x","status":"approved"}}',
      '{"event":"VERIFICATION_STATUS_UPDATED","data":{"partnerUserId":"pb_0123456789","status":"done"}}',
    ]) {
      expect(() => readPaybisEvent(bad), bad).toThrow(PaybisWebhookError);
    }
  });

  it("checks RSA-PSS SHA-512 with Paybis's public key", () => {
    const key = paybisPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const raw = new TextEncoder().encode(body);
    expect(() => verifyPaybisSignature(key, raw, signDigest(raw))).not.toThrow();
    // Over the raw body itself (the inferred variant).
    const direct = sign('sha512', raw, { key: privateKey, ...pss }).toString('base64');
    expect(() => verifyPaybisSignature(key, raw, direct)).not.toThrow();
    expect(() => verifyPaybisSignature(key, raw, signDigest(raw, other.privateKey))).toThrow(
      /does not match/,
    );
    expect(() => verifyPaybisSignature(key, new TextEncoder().encode(`${body} `), signDigest(raw))).toThrow(
      PaybisWebhookError,
    );
    expect(() => verifyPaybisSignature(key, raw, undefined)).toThrow(/missing/);
    expect(() => verifyPaybisSignature(key, raw, '!!')).toThrow(/missing or not base64/);
  });
});
