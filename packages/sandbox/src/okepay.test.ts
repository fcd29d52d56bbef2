import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOkePaySandbox, OKEPAY_DEMO, OKEPAY_WRONG_SECRET, type OkePaySeed } from './okepay.ts';

const BASE = 'http://sandbox.test';
const sign = (message: string, secret: string = OKEPAY_DEMO.secret) =>
  createHmac('sha256', secret).update(message).digest('base64');

function setup(seed?: OkePaySeed) {
  let now = Date.parse('2026-11-22T10:00:00Z');
  const okepay = createOkePaySandbox({ baseUrl: BASE, now: () => now, clientIp: () => null }, seed);
  const call = (request: Request) =>
    okepay.handle(request, new URL(request.url).pathname.replace(/^\/okepay/, ''));
  return {
    call,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function post(
  body: string,
  {
    path = '/okepay/api/v1.0/AuthToken/',
    query = '?instance=demo',
    type = 'application/x-www-form-urlencoded',
    headers = {},
  } = {},
) {
  return new Request(`${BASE}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body,
  });
}

const signedBody = (params: string, secret?: string) =>
  `${params}&ApiSignature=${encodeURIComponent(sign(params, secret))}`;

async function errorOf(res: Response) {
  return { status: res.status, body: (await res.json()) as { status: string; message: string } };
}

describe('OkePay AuthToken API', () => {
  it('issues a login link for a correctly signed request (docs form)', async () => {
    const { call } = setup();
    const res = await call(post(signedBody('userId=1001')));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: Array<Record<string, string>> };
    expect(body.status).toBe('success');
    const [entry] = body.data;
    expect(entry!.authToken).toMatch(/^[\w-]{20,}$/);
    expect(entry!.authTokenExpirationDate).toBe('2026-11-22 10:10:00');
    expect(entry!.link).toBe(`${BASE}/okepay/portal/demo/?login-token=${entry!.authToken}`);
  });

  it('accepts the PHP SDK form: v1, /0/, model=AuthToken and instance in the body', async () => {
    const { call } = setup();
    const body = `${signedBody('userId=1002&model=AuthToken')}&instance=demo`;
    const res = await call(post(body, { path: '/okepay/api/v1/AuthToken/0/', query: '' }));
    expect(res.status).toBe(200);
    for (const path of [
      '/okepay/api/v1/AuthToken/',
      '/okepay/api/v1.0/AuthToken/0/',
      '/okepay/api/v1.0/AuthToken',
    ]) {
      expect((await call(post(signedBody('userId=1001'), { path }))).status).toBe(200);
    }
  });

  it('verifies the PHP encoding of the received parameters, whatever their transport encoding', async () => {
    const { call } = setup();
    // Signed as PHP would: `*` becomes %2A; sent with `*` left bare.
    const signature = sign('userId=1001&note=a%2Ab+c');
    const res = await call(post(`userId=1001&note=a*b%20c&ApiSignature=${encodeURIComponent(signature)}`));
    expect(res.status).toBe(200);
  });

  it('accepts the secret in X-API-KEY instead of a signature', async () => {
    const { call } = setup();
    expect((await call(post('userId=1001', { headers: { 'x-api-key': OKEPAY_DEMO.secret } }))).status).toBe(
      200,
    );
    expect(await errorOf(await call(post('userId=1001', { headers: { 'x-api-key': 'nope' } })))).toEqual({
      status: 403,
      body: { status: 'error', message: OKEPAY_WRONG_SECRET },
    });
  });

  it('refuses a wrong secret, a tampered body, and a missing signature', async () => {
    const { call } = setup();
    expect(await errorOf(await call(post(signedBody('userId=1001', 'other-secret'))))).toEqual({
      status: 403,
      body: { status: 'error', message: OKEPAY_WRONG_SECRET },
    });
    const tampered = `userId=1002&ApiSignature=${encodeURIComponent(sign('userId=1001'))}`;
    expect((await errorOf(await call(post(tampered)))).status).toBe(403);
    expect((await errorOf(await call(post('userId=1001&ApiSignature=!!!')))).status).toBe(403);
    const missing = await errorOf(await call(post('userId=1001')));
    expect(missing.status).toBe(403);
    expect(missing.body.message).toMatch(/ApiSignature/);
  });

  it('accepts ApiSignature only as standard, padded base64, as the real API compares it', async () => {
    const { call } = setup();
    const standard = sign('userId=1001');
    expect(standard).toMatch(/[+/].*=$/);
    const variants = {
      base64url: standard.replace(/\+/g, '-').replace(/\//g, '_'),
      unpadded: standard.replace(/=+$/, ''),
      'base64url, unpadded': standard.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      'with a trailing newline': `${standard}\n`,
    };
    for (const [name, signature] of Object.entries(variants)) {
      const res = await call(post(`userId=1001&ApiSignature=${encodeURIComponent(signature)}`));
      expect({ name, ...(await errorOf(res)) }).toEqual({
        name,
        status: 403,
        body: { status: 'error', message: OKEPAY_WRONG_SECRET },
      });
    }
    const res = await call(post(`userId=1001&ApiSignature=${encodeURIComponent(standard)}`));
    expect(res.status).toBe(200);
  });

  it('refuses an unknown or missing instance', async () => {
    const { call } = setup();
    expect(await errorOf(await call(post(signedBody('userId=1001'), { query: '?instance=other' })))).toEqual({
      status: 403,
      body: { status: 'error', message: OKEPAY_WRONG_SECRET },
    });
    expect((await errorOf(await call(post(signedBody('userId=1001'), { query: '' })))).status).toBe(400);
  });

  it('refuses an unknown contact, a missing or non-integer userId', async () => {
    const { call } = setup();
    const unknown = await errorOf(await call(post(signedBody('userId=4242'))));
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/4242/);
    const missing = await errorOf(await call(post(signedBody('model=AuthToken'))));
    expect(missing).toMatchObject({ status: 400, body: { message: 'userId is required.' } });
    for (const bad of ['1.5', 'abc', '-3', '0', '99999999999']) {
      const res = await errorOf(await call(post(signedBody(`userId=${bad}`))));
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/integer/);
    }
  });

  it('refuses a wrong content type or method, and unknown endpoints', async () => {
    const { call } = setup();
    const json = await errorOf(await call(post('{"userId":1001}', { type: 'application/json' })));
    expect(json.status).toBe(415);
    expect(json.body.status).toBe('error');
    const get = await errorOf(await call(new Request(`${BASE}/okepay/api/v1.0/AuthToken/?instance=demo`)));
    expect(get.status).toBe(405);
    const other = await errorOf(
      await call(post(signedBody('userId=1001'), { path: '/okepay/api/v1.0/Invoice/' })),
    );
    expect(other.status).toBe(404);
  });
});

describe('OkePay portal', () => {
  async function link(call: (r: Request) => Promise<Response>, userId = 1001) {
    const res = await call(post(signedBody(`userId=${userId}`)));
    return ((await res.json()) as { data: Array<{ link: string }> }).data[0]!.link;
  }

  it('logs the contact in once, redirects to a clean URL, and shows their subscriptions', async () => {
    const { call } = setup();
    const first = await call(new Request(await link(call)));
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`${BASE}/okepay/portal/demo/`);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^okepay_session=[\w-]+; Path=\/okepay\/portal\/demo\/; .*HttpOnly; SameSite=Lax/);

    const page = await call(
      new Request(`${BASE}/okepay/portal/demo/`, { headers: { cookie: cookie.split(';')[0]! } }),
    );
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Logged in as <strong data-testid="portal-contact-name">Ada Lovelace</strong>');
    expect(text).toContain('<span data-testid="portal-contact-id">1001</span>');
    expect(text).toContain('data-testid="portal-subscriptions"');
    expect(text.match(/data-testid="portal-subscription"/g)).toHaveLength(2);
    expect(text).toContain('Pro plan');
  });

  it('refuses a reused, expired, or unknown token with an error page', async () => {
    const { call, advance } = setup();
    const url = await link(call);
    expect((await call(new Request(url))).status).toBe(303);
    const reused = await call(new Request(url));
    expect(reused.status).toBe(403);
    expect(await reused.text()).toMatch(
      /data-testid="portal-error"[^>]*>This login link has already been used/,
    );

    const late = await link(call, 1002);
    advance(10 * 60 * 1000);
    const expired = await call(new Request(late));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');

    const unknown = await call(new Request(`${BASE}/okepay/portal/demo/?login-token=forged`));
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toContain('data-testid="portal-error"');
  });

  it('asks for a login link without a session, and logs out', async () => {
    const { call } = setup();
    const anonymous = await call(new Request(`${BASE}/okepay/portal/demo/`));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('data-testid="portal-error"');

    const cookie = (await call(new Request(await link(call, 1003)))).headers
      .get('set-cookie')!
      .split(';')[0]!;
    const page = await call(new Request(`${BASE}/okepay/portal/demo/`, { headers: { cookie } }));
    expect(await page.text()).toContain('No subscriptions.');
    const out = await call(
      new Request(`${BASE}/okepay/portal/demo/logout`, { method: 'POST', headers: { cookie } }),
    );
    expect(out.status).toBe(303);
    expect((await call(new Request(`${BASE}/okepay/portal/demo/`, { headers: { cookie } }))).status).toBe(
      401,
    );
  });

  it('escapes seeded names in the page', async () => {
    const { call } = setup({
      instance: 'shop',
      secret: 's3cret',
      contacts: [{ id: 7, firstName: '<script>', lastName: 'x"y', email: 'a@b.c', subscriptions: [] }],
    });
    const params = 'userId=7';
    const res = await call(
      post(`${params}&ApiSignature=${encodeURIComponent(sign(params, 's3cret'))}`, {
        query: '?instance=shop',
      }),
    );
    const { link: url } = ((await res.json()) as { data: Array<{ link: string }> }).data[0]!;
    const cookie = (await call(new Request(url))).headers.get('set-cookie')!.split(';')[0]!;
    const text = await (
      await call(new Request(`${BASE}/okepay/portal/shop/`, { headers: { cookie } }))
    ).text();
    expect(text).toContain('&lt;script&gt; x&quot;y');
    expect(text).not.toContain('<script>');
  });

  it('rejects an invalid seed', () => {
    const ctx = { baseUrl: BASE, now: () => 0, clientIp: () => null };
    expect(() => createOkePaySandbox(ctx, { instance: 'bad name', secret: 'x', contacts: [] })).toThrow(
      /instance/,
    );
    const dup = { id: 1, firstName: 'a', lastName: 'b', email: 'c', subscriptions: [] };
    expect(() => createOkePaySandbox(ctx, { instance: 'a', secret: 'x', contacts: [dup, dup] })).toThrow(
      /twice/,
    );
  });
});
