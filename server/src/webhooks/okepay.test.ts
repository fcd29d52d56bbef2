import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  agrees,
  OkePayWebhookError,
  parsePhpForm,
  readOkePayDelivery,
  readOkePayObject,
  verifyOkePaySignature,
} from './okepay.ts';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

describe('OkePay PHP form posts', () => {
  it('nests bracketed keys as PHP fills $_POST', () => {
    const parsed = parsePhpForm(
      'transaction%5Bid%5D=12&transaction%5Bcontact%5D%5Bid%5D=7&transaction%5Bcontact%5D%5Bemail%5D=a%40b.c' +
        '&list%5B%5D=x&list%5B%5D=y&plain=1',
    );
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({
      transaction: { id: '12', contact: { id: '7', email: 'a@b.c' } },
      list: { 0: 'x', 1: 'y' },
      plain: '1',
    });
  });

  it('refuses prototype keys, broken brackets and deep nesting', () => {
    expect(() => parsePhpForm('__proto__%5Bx%5D=1')).toThrow(OkePayWebhookError);
    expect(() => parsePhpForm('a%5Bconstructor%5D=1')).toThrow(OkePayWebhookError);
    expect(() => parsePhpForm('a%5Bb=1')).toThrow(/not a PHP form key/);
    expect(() => parsePhpForm(`a${'%5Bb%5D'.repeat(9)}=1`)).toThrow(/deeply/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('OkePay deliveries', () => {
  const transaction = {
    transaction: {
      id: 12,
      status: 'confirmed',
      contact: { id: 7, email: 'Ada@Example.com' },
      subscription: { id: 3, status: 'active' },
    },
  };

  it('reads a transaction as JSON and as a PHP form post alike', () => {
    const expected = { kind: 'transaction', id: 12, claimed: { contactId: 7, email: 'ada@example.com' } };
    expect(readOkePayDelivery(JSON_TYPE, JSON.stringify(transaction))).toEqual(expected);
    const form =
      'transaction%5Bid%5D=12&transaction%5Bstatus%5D=confirmed&transaction%5Bcontact%5D%5Bid%5D=7' +
      '&transaction%5Bcontact%5D%5Bemail%5D=Ada%40Example.com&transaction%5Bsubscription%5D%5Bid%5D=3';
    expect(readOkePayDelivery(`${FORM}; charset=UTF-8`, form)).toEqual(expected);
  });

  it('reads a subscription-only delivery', () => {
    expect(readOkePayDelivery(JSON_TYPE, '{"subscription":{"id":"3","status":"cancelled"}}')).toEqual({
      kind: 'subscription',
      id: 3,
      claimed: { contactId: null, email: null },
    });
  });

  it('refuses malformed bodies', () => {
    for (const [type, body] of [
      [JSON_TYPE, '{'],
      [JSON_TYPE, '[]'],
      [JSON_TYPE, '{"transaction":{"id":-1}}'],
      [JSON_TYPE, '{"transaction":{"id":"1e3"}}'],
      [FORM, 'other=1'],
      ['text/plain', 'transaction[id]=1'],
    ] as const) {
      expect(() => readOkePayDelivery(type, body), body).toThrow(OkePayWebhookError);
    }
  });

  it('takes the facts from the API answer and checks it agrees with the claim', () => {
    const fact = readOkePayObject('transaction', transaction.transaction);
    expect(fact).toEqual({
      contactId: 7,
      email: 'ada@example.com',
      subscriptionId: 3,
      subscriptionStatus: 'active',
    });
    expect(agrees({ contactId: 7, email: 'ada@example.com' }, fact!)).toBe(true);
    expect(agrees({ contactId: null, email: null }, fact!)).toBe(true);
    expect(agrees({ contactId: 8, email: 'ada@example.com' }, fact!)).toBe(false);
    expect(agrees({ contactId: 7, email: 'eve@example.com' }, fact!)).toBe(false);
    expect(
      readOkePayObject('subscription', { id: 3, status: 'cancelled', contact: { id: 7, email: 'a@b.c' } }),
    ).toEqual({ contactId: 7, email: 'a@b.c', subscriptionId: 3, subscriptionStatus: 'cancelled' });
    expect(readOkePayObject('transaction', { id: 1, contact: { id: 7 } })).toBeNull();
  });
});

describe('X-Webhook-Signature', () => {
  const body = new TextEncoder().encode('{"transaction":{"id":1}}');
  const good = createHmac('sha256', 'signing-key').update(body).digest('hex');

  it('accepts the hex HMAC-SHA256 of the raw body, in either case', () => {
    expect(() => verifyOkePaySignature('signing-key', body, good)).not.toThrow();
    expect(() => verifyOkePaySignature('signing-key', body, good.toUpperCase())).not.toThrow();
  });

  it('refuses a missing or wrong one', () => {
    expect(() => verifyOkePaySignature('signing-key', body, undefined)).toThrow(/missing/);
    expect(() => verifyOkePaySignature('other-key', body, good)).toThrow(/does not match/);
    expect(() => verifyOkePaySignature('signing-key', body, good.slice(1))).toThrow(/does not match/);
  });
});
