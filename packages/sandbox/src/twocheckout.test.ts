import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { loginHash, loginHashInput } from './twocheckout-hash.ts';
import {
  canonicalIp,
  createTwoCheckoutSandbox,
  parseGmtDate,
  TWOCHECKOUT_DEMO,
  TWOCHECKOUT_RPC_ERRORS as E,
  type TwoCheckoutMerchant,
  type TwoCheckoutSeed,
} from './twocheckout.ts';
import type { ProviderSandbox } from './types.ts';

const BASE = 'http://sandbox.test';
const API = `${BASE}/2checkout/api/rpc/6.0/`;
const START = Date.UTC(2026, 10, 22, 8, 0, 0);
const RIVAL = TWOCHECKOUT_DEMO.otherMerchants![0]!;

interface RpcBody {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

let now: number;
let ip: string | null;
let sandbox: ProviderSandbox;

function setup(seed?: TwoCheckoutSeed) {
  now = START;
  ip = '203.0.113.7';
  sandbox = createTwoCheckoutSandbox({ baseUrl: BASE, now: () => now, clientIp: () => ip }, seed);
}
beforeEach(() => setup());

const gmt = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');
const len = (s: string) => Buffer.byteLength(s, 'utf8');
const hashFor = (m: Pick<TwoCheckoutMerchant, 'merchantCode' | 'secretKey'>, date: string, algo = 'md5') =>
  createHmac(algo, m.secretKey)
    .update(`${len(m.merchantCode)}${m.merchantCode}${len(date)}${date}`)
    .digest('hex');

function call(url: string, init?: RequestInit): Promise<Response> {
  const path = new URL(url).pathname.replace(/^\/2checkout/, '');
  return sandbox.handle(new Request(url, init), path);
}

async function raw(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await call(API, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as RpcBody };
}

const rpc = (method: string, params: unknown, id: unknown = 1) =>
  raw(JSON.stringify({ jsonrpc: '2.0', method, params, id }));

async function login(merchant: TwoCheckoutMerchant = TWOCHECKOUT_DEMO): Promise<string> {
  const date = gmt(now);
  const { body } = await rpc('login', [merchant.merchantCode, date, hashFor(merchant, date)]);
  expect(body.error).toBeUndefined();
  return body.result as string;
}

async function sso(params: unknown[]): Promise<string> {
  const { body } = await rpc('getSingleSignOn', params);
  expect(body.error).toBeUndefined();
  return body.result as string;
}

/** Opens the sign-on URL and follows the redirect with the cookie it sets. */
async function openMyAccount(url: string) {
  const first = await call(url);
  if (first.status !== 303) return { status: first.status, html: await first.text(), location: null };
  const location = first.headers.get('location')!;
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const page = await call(location, { headers: { cookie } });
  return { status: page.status, html: await page.text(), location, cookie };
}

const testId = (html: string, id: string) =>
  new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;

describe('login hash', () => {
  it('matches the documented known-answer vector (HMAC-MD5)', async () => {
    expect(loginHashInput('AVANGATE', '2010-05-13 12:12:12')).toBe('8AVANGATE192010-05-13 12:12:12');
    expect(await loginHash('md5', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      'bf763db7d333e9c3038698cf59ada3e6',
    );
  });

  it('computes SHA-256 and SHA3-256 variants (checked against openssl)', async () => {
    expect(await loginHash('sha256', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      '29e85dbf92ce0113e7755c31c0438a7db98a4de9f910bf0a527e005f35e43739',
    );
    expect(await loginHash('sha3-256', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      '0c7e9c0c96148e5bf8e199a0a0e27977edc099ff0b27794e761853b96e04c7fb',
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(loginHashInput('MÜNZ', 'x')).toBe('5MÜNZ1x');
  });
});

describe('JSON-RPC transport', () => {
  it('refuses methods other than POST with HTTP 405', async () => {
    const res = await call(API);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as RpcBody).error?.code).toBe(E.INVALID_REQUEST);
  });

  it('refuses a body that is not declared JSON with HTTP 415', async () => {
    const { status, body } = await raw('{}', { 'content-type': 'text/plain' });
    expect(status).toBe(415);
    expect(body.error?.code).toBe(E.INVALID_REQUEST);
  });

  it('refuses a body over 64 KiB with HTTP 413', async () => {
    const { status, body } = await rpc('login', ['x'.repeat(70_000), '2026-11-22 08:00:00', 'a']);
    expect(status).toBe(413);
    expect(body.error?.code).toBe(E.INVALID_REQUEST);
  });

  it('answers invalid JSON with a parse error (-32700) and id null', async () => {
    const { status, body } = await raw('{"jsonrpc":');
    expect(status).toBe(200);
    expect(body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: E.PARSE_ERROR, message: 'Parse error' },
    });
  });

  it.each([
    ['a batch', '[]', null],
    ['a string', '"login"', null],
    ['a missing id', '{"jsonrpc":"2.0","method":"login","params":[]}', null],
    ['an object id', '{"jsonrpc":"2.0","method":"login","params":[],"id":{}}', null],
    ['a wrong version', '{"jsonrpc":"1.0","method":"login","params":[],"id":7}', 7],
    ['a missing method', '{"jsonrpc":"2.0","params":[],"id":"a"}', 'a'],
  ])('answers %s with invalid request (-32600)', async (_name, body, id) => {
    const res = await raw(body);
    expect(res.status).toBe(200);
    expect(res.body.id).toEqual(id);
    expect(res.body.error?.code).toBe(E.INVALID_REQUEST);
  });

  it('answers an unknown method with -32601 and echoes the id', async () => {
    const { body } = await rpc('getSubscription', [], 'req-9');
    expect(body.id).toBe('req-9');
    expect(body.error?.code).toBe(E.METHOD_NOT_FOUND);
  });

  it('wants positional params (-32602 for an object)', async () => {
    const { body } = await rpc('login', { merchantCode: 'HANDOFFDEMO' });
    expect(body.error?.code).toBe(E.INVALID_PARAMS);
  });

  it('serves 404 pages for unknown paths', async () => {
    const res = await call(`${BASE}/2checkout/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('data-testid="myaccount-error"');
  });
});

describe('login', () => {
  it('returns a session id for a correct HMAC-MD5 hash (id echoed)', async () => {
    const date = gmt(now);
    const { status, body } = await rpc('login', ['HANDOFFDEMO', date, hashFor(TWOCHECKOUT_DEMO, date)], 42);
    expect(status).toBe(200);
    expect(body.id).toBe(42);
    expect(body.result).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each(['sha256', 'sha3-256'])('accepts %s when named as the fourth parameter', async (algo) => {
    const date = gmt(now);
    const { body } = await rpc('login', ['HANDOFFDEMO', date, hashFor(TWOCHECKOUT_DEMO, date, algo), algo]);
    expect(body.result).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts an upper-case hex hash', async () => {
    const date = gmt(now);
    const { body } = await rpc('login', ['HANDOFFDEMO', date, hashFor(TWOCHECKOUT_DEMO, date).toUpperCase()]);
    expect(typeof body.result).toBe('string');
  });

  it('issues a different session id each time', async () => {
    expect(await login()).not.toBe(await login());
  });

  it.each([
    ['a wrong hash', () => ['HANDOFFDEMO', gmt(now), '0'.repeat(32)]],
    ['a hash under another key', () => ['HANDOFFDEMO', gmt(now), hashFor(RIVAL, gmt(now))]],
    [
      'an unknown merchant',
      () => ['NOPE', gmt(now), hashFor({ merchantCode: 'NOPE', secretKey: 'x' }, gmt(now))],
    ],
    [
      'an MD5 hash labelled sha256',
      () => ['HANDOFFDEMO', gmt(now), hashFor(TWOCHECKOUT_DEMO, gmt(now)), 'sha256'],
    ],
    ['a hash for another date', () => ['HANDOFFDEMO', gmt(now), hashFor(TWOCHECKOUT_DEMO, gmt(now - 1000))]],
  ])('refuses %s with AUTHENTICATION_FAILED', async (_name, params) => {
    const { status, body } = await rpc('login', params());
    expect(status).toBe(200);
    expect(body.error).toEqual({
      code: E.AUTHENTICATION_FAILED,
      message: 'AUTHENTICATION_FAILED: Authentication failed.',
    });
  });

  it('refuses a correctly signed date more than 5 minutes away', async () => {
    for (const offset of [-6 * 60_000, 6 * 60_000]) {
      const date = gmt(now + offset);
      const { body } = await rpc('login', ['HANDOFFDEMO', date, hashFor(TWOCHECKOUT_DEMO, date)]);
      expect(body.error?.code).toBe(E.AUTHENTICATION_FAILED);
      expect(body.error?.message).toMatch(/date/);
    }
    const date = gmt(now - 4 * 60_000);
    const { body } = await rpc('login', ['HANDOFFDEMO', date, hashFor(TWOCHECKOUT_DEMO, date)]);
    expect(typeof body.result).toBe('string');
  });

  it.each([
    ['too few params', ['HANDOFFDEMO', '2026-11-22 08:00:00']],
    ['too many params', ['HANDOFFDEMO', '2026-11-22 08:00:00', 'a', 'sha256', 'x']],
    ['a numeric merchant code', [123, '2026-11-22 08:00:00', 'a']],
    ['a non-string hash', ['HANDOFFDEMO', '2026-11-22 08:00:00', 5]],
    ['an ISO date', ['HANDOFFDEMO', '2026-11-22T08:00:00Z', 'a']],
    ['an impossible date', ['HANDOFFDEMO', '2026-02-30 08:00:00', 'a']],
    ['an unknown algo', ['HANDOFFDEMO', '2026-11-22 08:00:00', 'a', 'sha1']],
  ])('refuses %s with invalid params (-32602)', async (_name, params) => {
    const { body } = await rpc('login', params);
    expect(body.error?.code).toBe(E.INVALID_PARAMS);
  });
});

describe('getSingleSignOn', () => {
  it('returns a one-time myAccount URL that signs the customer in', async () => {
    const session = await login();
    const url = await sso([session, 'SUB-DEMO-2', 'ada@example.com', 60, null, null]);
    expect(url.startsWith(`${BASE}/2checkout/myaccount/`)).toBe(true);
    const page = await openMyAccount(url);
    expect(page.status).toBe(200);
    expect(page.location).toBe(`${BASE}/2checkout/myaccount/`);
    expect(testId(page.html, 'myaccount-page')).toBe('home');
    expect(testId(page.html, 'myaccount-customer-email')).toBe('ada@example.com');
    expect(testId(page.html, 'myaccount-subscription')).toBe('SUB-DEMO-2');
  });

  it.each([
    'view_order',
    'my_license',
    'change_card',
    'my_products',
    'payment_methods',
    'user_data',
    'order_lookup',
    'faq',
  ])('lands on the %s page', async (accessPage) => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30, accessPage, '']);
    const page = await openMyAccount(url);
    expect(page.location).toBe(`${BASE}/2checkout/myaccount/${accessPage}/`);
    expect(testId(page.html, 'myaccount-page')).toBe(accessPage);
  });

  it('lands on home when accessPage is absent, null or empty', async () => {
    const session = await login();
    for (const params of [
      [session, 'SUB-DEMO-1'],
      [session, 'SUB-DEMO-1', null, null, null, null],
      [session, 'SUB-DEMO-1', '', 20, ''],
    ]) {
      const page = await openMyAccount(await sso(params));
      expect(testId(page.html, 'myaccount-page')).toBe('home');
    }
  });

  it('lists all of the customer’s products on my_products', async () => {
    const page = await openMyAccount(await sso([await login(), 'SUB-DEMO-1', null, 30, 'my_products']));
    expect(page.html).toContain('SUB-DEMO-1');
    expect(page.html).toContain('SUB-DEMO-2');
    expect(page.html).not.toContain('SUB-OTHER-1');
  });

  it('works only once', async () => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30]);
    expect((await openMyAccount(url)).status).toBe(200);
    const again = await call(url);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('data-testid="myaccount-error"');
  });

  it('expires after validityTime seconds', async () => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30]);
    now += 30_001;
    const res = await call(url);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('data-testid="myaccount-error"');
  });

  it('defaults validityTime to 10 seconds', async () => {
    const session = await login();
    const early = await sso([session, 'SUB-DEMO-1']);
    const late = await sso([session, 'SUB-DEMO-1']);
    now += 9_000;
    expect((await openMyAccount(early)).status).toBe(200);
    now += 2_000;
    expect((await call(late)).status).toBe(410);
  });

  it('binds the URL to validationIp', async () => {
    const session = await login();
    const url = await sso([session, 'SUB-DEMO-1', null, 30, null, '198.51.100.4']);
    const wrong = await call(url);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('data-testid="myaccount-error"');
    ip = null; // a transport that cannot tell the client's IP cannot satisfy the binding
    expect((await call(url)).status).toBe(403);
    ip = '::ffff:198.51.100.4'; // the same address seen on a dual-stack socket; a refused attempt did not use the link up
    expect((await openMyAccount(url)).status).toBe(200);
  });

  it('matches IPv6 addresses in any spelling', async () => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30, null, '2001:DB8:0:0::1']);
    ip = '2001:db8::1';
    expect((await openMyAccount(url)).status).toBe(200);
  });

  it('accepts an email in another letter case', async () => {
    expect(await sso([await login(), 'SUB-DEMO-1', 'Ada@Example.com', 30])).toContain(
      '/2checkout/myaccount/',
    );
  });

  it('refuses an unknown or expired session with SESSION_EXPIRED', async () => {
    const unknown = await rpc('getSingleSignOn', ['f'.repeat(32), 'SUB-DEMO-1']);
    expect(unknown.body.error?.code).toBe(E.SESSION_EXPIRED);
    expect(unknown.body.error?.message).toMatch(/^SESSION_EXPIRED/);
    const session = await login();
    now += 10 * 60_000;
    const expired = await rpc('getSingleSignOn', [session, 'SUB-DEMO-1']);
    expect(expired.body.error?.code).toBe(E.SESSION_EXPIRED);
  });

  it('keeps a session valid for just under 10 minutes', async () => {
    const session = await login();
    now += 10 * 60_000 - 1;
    expect(await sso([session, 'SUB-DEMO-1'])).toContain('/myaccount/');
  });

  it("refuses another merchant's subscription with FORBIDDEN", async () => {
    const { body } = await rpc('getSingleSignOn', [await login(), 'SUB-RIVAL-1']);
    expect(body.error?.code).toBe(E.FORBIDDEN);
    expect(body.error?.message).toMatch(/^FORBIDDEN/);
    // and the other way round
    const rival = await rpc('getSingleSignOn', [await login(RIVAL), 'SUB-DEMO-1']);
    expect(rival.body.error?.code).toBe(E.FORBIDDEN);
  });

  it('refuses an unknown subscription with NOT_FOUND', async () => {
    const { body } = await rpc('getSingleSignOn', [await login(), 'SUB-NOPE']);
    expect(body.error?.code).toBe(E.NOT_FOUND);
  });

  it("refuses an email that is not the subscription's customer's", async () => {
    const { body } = await rpc('getSingleSignOn', [await login(), 'SUB-OTHER-1', 'ada@example.com']);
    expect(body.error?.code).toBe(E.INVALID_EMAIL);
  });

  it.each([
    ['one param', (s: string) => [s]],
    ['seven params', (s: string) => [s, 'SUB-DEMO-1', null, 10, null, null, 'extra']],
    ['a numeric session id', () => [1, 'SUB-DEMO-1']],
    ['an empty reference', (s: string) => [s, '']],
    ['a numeric email', (s: string) => [s, 'SUB-DEMO-1', 5]],
    ['validityTime 0', (s: string) => [s, 'SUB-DEMO-1', null, 0]],
    ['a negative validityTime', (s: string) => [s, 'SUB-DEMO-1', null, -5]],
    ['a fractional validityTime', (s: string) => [s, 'SUB-DEMO-1', null, 1.5]],
    ['a string validityTime', (s: string) => [s, 'SUB-DEMO-1', null, '30']],
    ['an unknown accessPage', (s: string) => [s, 'SUB-DEMO-1', null, 30, 'admin']],
    ['accessPage home by name', (s: string) => [s, 'SUB-DEMO-1', null, 30, 'home']],
    ['a malformed validationIp', (s: string) => [s, 'SUB-DEMO-1', null, 30, null, '300.1.1.1']],
    ['a hostname as validationIp', (s: string) => [s, 'SUB-DEMO-1', null, 30, null, 'localhost']],
    ['a numeric validationIp', (s: string) => [s, 'SUB-DEMO-1', null, 30, null, 127001]],
  ])('refuses %s with invalid params (-32602)', async (_name, params) => {
    const { body } = await rpc('getSingleSignOn', params(await login()));
    expect(body.error?.code).toBe(E.INVALID_PARAMS);
  });
});

describe('myAccount pages', () => {
  it('refuses pages without a signed-in session (401)', async () => {
    const res = await call(`${BASE}/2checkout/myaccount/my_license/`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('data-testid="myaccount-error"');
  });

  it('refuses an unknown sign-on token (404)', async () => {
    const res = await call(`${BASE}/2checkout/myaccount/sso/?token=abc`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('data-testid="myaccount-error"');
  });

  it('lets a signed-in customer browse other pages, and answers 404 for unknown ones', async () => {
    const page = await openMyAccount(await sso([await login(), 'SUB-DEMO-1', null, 30]));
    const faq = await call(`${BASE}/2checkout/myaccount/faq/`, { headers: { cookie: page.cookie! } });
    expect(testId(await faq.text(), 'myaccount-page')).toBe('faq');
    const missing = await call(`${BASE}/2checkout/myaccount/admin/`, { headers: { cookie: page.cookie! } });
    expect(missing.status).toBe(404);
  });

  it('ends the myAccount session after 30 minutes', async () => {
    const page = await openMyAccount(await sso([await login(), 'SUB-DEMO-1', null, 30]));
    now += 31 * 60_000;
    const res = await call(`${BASE}/2checkout/myaccount/`, { headers: { cookie: page.cookie! } });
    expect(res.status).toBe(401);
  });

  it('sets an HttpOnly, path-scoped cookie', async () => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30]);
    const res = await call(url);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Path=\/2checkout\/myaccount/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('does not spend the link on a HEAD request', async () => {
    const url = await sso([await login(), 'SUB-DEMO-1', null, 30]);
    expect((await call(url, { method: 'HEAD' })).status).toBe(405);
    expect((await openMyAccount(url)).status).toBe(200);
  });

  it('refuses non-GET requests to pages (405)', async () => {
    const res = await call(`${BASE}/2checkout/myaccount/`, { method: 'POST' });
    expect(res.status).toBe(405);
  });

  it('escapes seeded text in HTML', async () => {
    setup({
      merchantCode: 'M',
      secretKey: 'k',
      customers: [
        { reference: 'c', email: 'x@example.com', firstName: '<script>alert(1)</script>', lastName: 'Q' },
      ],
      subscriptions: [
        {
          reference: 'S-1',
          customerReference: 'c',
          productName: '"><img src=x>',
          productCode: 'P',
          orderReference: '1',
          status: 'ACTIVE',
          expirationDate: '2027-01-01',
        },
      ],
    });
    const date = gmt(now);
    const session = (await rpc('login', ['M', date, hashFor({ merchantCode: 'M', secretKey: 'k' }, date)]))
      .body.result as string;
    const page = await openMyAccount(await sso([session, 'S-1', null, 30, 'my_products']));
    expect(page.html).not.toContain('<script>alert');
    expect(page.html).not.toContain('<img src=x>');
    expect(page.html).toContain('&#60;script&#62;');
  });
});

describe('seed and helpers', () => {
  it('rejects a seed whose subscription names an unknown customer', () => {
    expect(() =>
      createTwoCheckoutSandbox(
        { baseUrl: BASE, now: () => START, clientIp: () => null },
        {
          ...TWOCHECKOUT_DEMO,
          subscriptions: [{ ...TWOCHECKOUT_DEMO.subscriptions[0]!, customerReference: 'ghost' }],
        },
      ),
    ).toThrow(/unknown customer ghost/);
  });

  it('rejects a subscription reference used by two merchants', () => {
    expect(() =>
      createTwoCheckoutSandbox(
        { baseUrl: BASE, now: () => START, clientIp: () => null },
        {
          ...TWOCHECKOUT_DEMO,
          otherMerchants: [
            { ...RIVAL, subscriptions: [{ ...RIVAL.subscriptions[0]!, reference: 'SUB-DEMO-1' }] },
          ],
        },
      ),
    ).toThrow(/SUB-DEMO-1 appears twice/);
  });

  it('demo customer owns two subscriptions', () => {
    const mine = TWOCHECKOUT_DEMO.subscriptions.filter((s) => s.customerReference === 'demo-customer');
    expect(mine.map((s) => s.reference)).toEqual(['SUB-DEMO-1', 'SUB-DEMO-2']);
    expect(TWOCHECKOUT_DEMO.customers.find((c) => c.reference === 'demo-customer')?.email).toBe(
      'ada@example.com',
    );
  });

  it('parses GMT dates strictly', () => {
    expect(parseGmtDate('2010-05-13 12:12:12')).toBe(Date.UTC(2010, 4, 13, 12, 12, 12));
    for (const bad of [
      '2010-05-13',
      '2010-13-01 00:00:00',
      '2010-05-13 24:00:00',
      '2010-05-13 12:60:00',
      ' 2010-05-13 12:12:12',
    ]) {
      expect(parseGmtDate(bad)).toBeNull();
    }
  });

  it('accepts every IPv4 and IPv6 address, in any letter case, as the same address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        const canonical = canonicalIp(address);
        expect(canonical).not.toBeNull();
        expect(canonicalIp(address.toUpperCase())).toBe(canonical);
        expect(canonicalIp(canonical!)).toBe(canonical);
      }),
    );
  });

  it('never accepts what node:net does not consider an IP address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:.]{1,40}$/)), (value) => {
        if (isIP(value) === 0) expect(canonicalIp(value)).toBeNull();
      }),
    );
  });

  it('canonicalises IP addresses and rejects everything else', () => {
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('2001:db8:0::0:1')).toBe('2001:db8::1');
    for (const bad of [
      '',
      '10.0.0',
      '010.0.0.1',
      '1.2.3.4.5',
      'example.com',
      '::g',
      '1::2::3',
      'fe80::1%eth0',
    ]) {
      expect(canonicalIp(bad)).toBeNull();
    }
  });
});
