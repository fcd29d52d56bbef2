import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it('redacts known secrets, also those JSON escapes (newlines, quotes, backslashes)', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const quoted = 'abc"def\\ghi';
    const plain = 'okepay-test-secret';
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), secrets: [pem, quoted, plain, 'short'] });
    log.error('unexpected error', { error: { message: `bad key ${pem}` } });
    log.error('x', { detail: `secret=${quoted}`, other: plain, fine: 'short' });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
      expect(line).not.toContain('def');
      expect(line).not.toContain(plain);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: { message: 'bad key [redacted]' } });
    // Secrets shorter than six characters are not looked for (they would match ordinary words).
    expect(JSON.parse(lines[1]!)).toMatchObject({
      detail: 'secret=[redacted]',
      other: '[redacted]',
      fine: 'short',
    });
  });

  it('redacts a secret that contains another one whole', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), secrets: ['abcdef', 'abcdefghij'] });
    log.info('x', { a: 'abcdefghij', b: 'abcdef' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ a: '[redacted]', b: '[redacted]' });
  });

  it('redacts secrets added later (connections read from the database)', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.info('before', { value: 'stored-connection-secret' });
    log.redact?.(['stored-connection-secret', 'tiny']);
    log.info('after', { value: 'stored-connection-secret', other: 'tiny' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ value: 'stored-connection-secret' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ value: '[redacted]', other: 'tiny' });
  });
});
