import { describe, expect, it } from 'vitest';
import { decodeBase64 } from './http.ts';

describe('decodeBase64', () => {
  it('decodes standard, padded base64', () => {
    expect(decodeBase64('AQID')).toEqual(new Uint8Array([1, 2, 3]));
    expect(decodeBase64('AQI=')).toEqual(new Uint8Array([1, 2]));
    expect(decodeBase64('AQ==')).toEqual(new Uint8Array([1]));
    expect(decodeBase64('+/8=')).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it.each([
    ['empty text', ''],
    ['base64url', '-_8='],
    ['missing padding', 'AQ'],
    ['partial padding', 'AQ='],
    ['too much padding', 'AQ==='],
    ['padding inside', 'AQ==AQID'],
    ['surrounding whitespace', ' AQID'],
    ['a trailing newline', 'AQID\n'],
    ['a space where a + was', ' /8='],
    ['other characters', 'AQ!D'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64(text)).toBeNull();
  });
});
