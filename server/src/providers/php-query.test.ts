import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpBuildQuery, phpUrlencode } from './php-query.ts';

const sign = (message: string) =>
  createHmac('sha256', 'INSTANCE_API_SECRET').update(message).digest('base64');

describe('httpBuildQuery', () => {
  it('matches the docs known-answer vector', () => {
    const query = httpBuildQuery({ userId: 1 });
    expect(query).toBe('userId=1');
    expect(sign(query)).toBe('5BQ1dO6XolGAnMLvoTK3vDyMvA27cSoarfFK6q9ldg8=');
  });

  it('matches the PHP SDK known-answer vector', () => {
    const query = httpBuildQuery([
      ['userId', 1],
      ['model', 'AuthToken'],
    ]);
    expect(query).toBe('userId=1&model=AuthToken');
    expect(sign(query)).toBe('tV+quTWSvS9W7V2MAa5r/74f30cejED+79+CKzjVTX4=');
  });

  it('uses RFC 1738 encoding', () => {
    expect(httpBuildQuery({ 'a b': 'x y~*', c: "!'()" })).toBe('a+b=x+y%7E%2A&c=%21%27%28%29');
    expect(phpUrlencode('€/ä')).toBe('%E2%82%AC%2F%C3%A4');
  });

  it('drops null, writes booleans as 1/0, and nests arrays and objects', () => {
    expect(
      httpBuildQuery({
        gone: null,
        missing: undefined,
        yes: true,
        no: false,
        amount: 12.5,
        list: ['x', 'y'],
        map: { b: 'c', deep: { e: 1 } },
        empty: [],
      }),
    ).toBe('yes=1&no=0&amount=12.5&list%5B0%5D=x&list%5B1%5D=y&map%5Bb%5D=c&map%5Bdeep%5D%5Be%5D=1');
  });

  it('refuses values PHP could not have sent', () => {
    expect(() => httpBuildQuery({ n: Number.NaN })).toThrow(TypeError);
    expect(() => httpBuildQuery({ s: '\ud800' })).toThrow(/surrogates/);
  });
});
