import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpBuildQuery, okePaySignedString, parsePhpForm, phpUrlencode } from './php-query.ts';

const sign = (message: string) =>
  createHmac('sha256', 'INSTANCE_API_SECRET').update(message).digest('base64');

describe('phpUrlencode', () => {
  it('follows RFC 1738 like PHP urlencode', () => {
    expect(phpUrlencode('a b')).toBe('a+b');
    expect(phpUrlencode("~*!'()")).toBe('%7E%2A%21%27%28%29');
    expect(phpUrlencode('-_.Az09')).toBe('-_.Az09');
    expect(phpUrlencode('ä/€')).toBe('%C3%A4%2F%E2%82%AC');
  });
});

describe('okePaySignedString', () => {
  it('reproduces the docs known-answer vector (userId=1)', () => {
    const signed = okePaySignedString(parsePhpForm('userId=1&ApiSignature=xyz'));
    expect(signed).toBe('userId=1');
    expect(sign(signed)).toBe('5BQ1dO6XolGAnMLvoTK3vDyMvA27cSoarfFK6q9ldg8=');
  });

  it('reproduces the PHP SDK known-answer vector (userId=1&model=AuthToken), leaving out instance', () => {
    const signed = okePaySignedString(
      parsePhpForm('userId=1&model=AuthToken&instance=demo&ApiSignature=abc'),
    );
    expect(signed).toBe('userId=1&model=AuthToken');
    expect(sign(signed)).toBe('tV+quTWSvS9W7V2MAa5r/74f30cejED+79+CKzjVTX4=');
  });

  it('keeps the received order', () => {
    expect(okePaySignedString(parsePhpForm('model=AuthToken&userId=1'))).toBe('model=AuthToken&userId=1');
  });
});

describe('parsePhpForm + httpBuildQuery', () => {
  it('re-encodes whatever the transport encoding was', () => {
    // JS URLSearchParams leaves * alone and encodes ~; PHP encodes both.
    expect(httpBuildQuery(parsePhpForm('a=x*y%7Ez&b=one+two'))).toBe('a=x%2Ay%7Ez&b=one+two');
  });

  it('nests bracketed keys and numbers list items', () => {
    const form = parsePhpForm('a%5Bb%5D=c&list[]=x&list[]=y&a[d]=e');
    expect(httpBuildQuery(form)).toBe('a%5Bb%5D=c&a%5Bd%5D=e&list%5B0%5D=x&list%5B1%5D=y');
  });

  it('keeps the first position and last value of a repeated key, and mangles dots like PHP', () => {
    expect(httpBuildQuery(parsePhpForm('a=1&b=2&a=3&c.d=4'))).toBe('a=3&b=2&c_d=4');
  });
});
