import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redaction.ts';

describe('redactSecrets', () => {
  it('removes a secret as it is, URL-encoded, JSON-escaped, base64 and base64url', () => {
    const secret = 'se/cr+et"key?==';
    const forms = [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ];
    const redacted = redactSecrets(`a ${forms.join(' b ')} c`, [secret]);
    for (const form of forms) expect(redacted).not.toContain(form);
    expect(redacted).toBe(`a ${Array(forms.length).fill('[redacted]').join(' b ')} c`);
  });

  it('removes each long line of a PEM key, and leaves short or unrelated text alone', () => {
    const line = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC';
    const pem = `-----BEGIN PRIVATE KEY-----\n${line}\n-----END PRIVATE KEY-----\n`;
    expect(redactSecrets(`bad key ${line} here`, [pem])).toBe('bad key [redacted] here');
    expect(redactSecrets('HTTP 400 abc', ['abc', ''])).toBe('HTTP 400 abc');
  });
});
