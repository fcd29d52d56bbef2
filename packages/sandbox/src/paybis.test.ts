import { constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPaybisSandbox, PAYBIS_DEMO, PAYBIS_TOKEN_TTL_MS, type PaybisSandbox } from './paybis.ts';
import type { SandboxContext } from './types.ts';

const BASE = 'http://sandbox.test';

/** An independent signer (node:crypto) following the documented parameters. */
function signBody(body: string, privateKeyPem: string = PAYBIS_DEMO.privateKeyPem, saltLength = 64): string {
  const digestHex = createHash('sha512').update(body, 'utf8').digest('hex');
  return sign('sha512', Buffer.from(digestHex, 'ascii'), {
    key: privateKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength,
  }).toString('base64');
}

let now = Date.UTC(2026, 0, 1);
let sandbox: PaybisSandbox;

function call(path: string, init?: RequestInit): Promise<Response> {
  return sandbox.handle(new Request(`${BASE}/paybis${path}`, init), path.split('?')[0]!);
}

function postApi(
  body: string,
  { auth = `Bearer ${PAYBIS_DEMO.apiKey}`, signature = signBody(body), path = '/api/v2/request' } = {} as {
    auth?: string | null;
    signature?: string | null;
    path?: string;
  },
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  if (signature !== null) headers['x-request-signature'] = signature;
  return call(path, { method: 'POST', headers, body });
}

const okBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ partnerUserId: 'auth-key-1', passwordless: true, email: 'ann@example.com', ...extra });

function pageConfig(
  html: string,
): { events: { name: string; data?: Record<string, unknown> }[] } & Record<string, unknown> {
  const match = /<script type="application\/json" id="paybis-config">([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no page config');
  return JSON.parse(match[1]) as never;
}

function testId(html: string, id: string): string | undefined {
  const match = new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html);
  return match?.[1];
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

beforeEach(() => {
  now = Date.UTC(2026, 0, 1);
  const ctx: SandboxContext = { baseUrl: BASE, now: () => now, clientIp: () => null };
  sandbox = createPaybisSandbox(ctx, {
    ...PAYBIS_DEMO,
    linkedAuthKeys: { 'returning-key': 'bob@example.com' },
  });
});

describe('Paybis sandbox API: authentication and signature', () => {
  it('accepts a correctly signed private request and returns only a requestId for an unlinked auth key', async () => {
    const res = await postApi(okBody());
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(json).not.toHaveProperty('oneTimeToken');
  });

  it('accepts the bare API key as well as Bearer', async () => {
    expect((await postApi(okBody(), { auth: PAYBIS_DEMO.apiKey })).status).toBe(200);
  });

  it('refuses a missing API key with 401 and a wrong one with 403, in the Paybis error shape', async () => {
    const missing = await postApi(okBody(), { auth: null });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'UNAUTHORIZED', message: expect.any(String) });
    const wrong = await postApi(okBody(), { auth: 'Bearer nope' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('serves the public endpoint with the partner id as apikey', async () => {
    const ok = await postApi(okBody(), {
      auth: null,
      path: `/api/v2/public/request?apikey=${PAYBIS_DEMO.partnerId}`,
    });
    expect(ok.status).toBe(200);
    expect((await postApi(okBody(), { auth: null, path: '/api/v2/public/request' })).status).toBe(401);
    expect(
      (await postApi(okBody(), { auth: null, path: '/api/v2/public/request?apikey=other' })).status,
    ).toBe(403);
  });

  it('refuses a missing signature with 403', async () => {
    const res = await postApi(okBody(), { signature: null });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'SIGNATURE_REQUIRED' });
  });

  it('refuses a signature over a different body (tampering) with 403', async () => {
    const res = await postApi(okBody({ amount: '999' }), { signature: signBody(okBody()) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('refuses signatures made with another key, another salt length, or over the raw body', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const body = okBody();
    const rawSig = sign('sha512', Buffer.from(body), {
      key: PAYBIS_DEMO.privateKeyPem,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 64,
    }).toString('base64');
    for (const signature of [
      signBody(body, other),
      signBody(body, PAYBIS_DEMO.privateKeyPem, 32),
      rawSig,
      '!!!',
      'AAAA',
    ]) {
      const res = await postApi(body, { signature });
      expect(res.status, signature.slice(0, 10)).toBe(403);
    }
  });

  it('rejects non-POST methods and unknown paths', async () => {
    expect((await call('/api/v2/request')).status).toBe(405);
    expect((await call('/api/v9/other', { method: 'POST' })).status).toBe(404);
  });
});

describe('Paybis sandbox API: body validation', () => {
  it('refuses an empty body and malformed JSON with 400', async () => {
    expect((await postApi('')).status).toBe(400);
    const res = await postApi('{"partnerUserId":');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('requires partnerUserId and passwordless: true', async () => {
    const noKey = await postApi(JSON.stringify({ passwordless: true }));
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ errors: { partnerUserId: expect.any(String) } });
    const notPasswordless = await postApi(JSON.stringify({ partnerUserId: 'k', passwordless: 'true' }));
    expect(notPasswordless.status).toBe(400);
    expect(await notPasswordless.json()).toMatchObject({ errors: { passwordless: expect.any(String) } });
    expect((await postApi(JSON.stringify(['array']))).status).toBe(400);
  });

  it('checks the types of the other documented fields', async () => {
    const res = await postApi(
      okBody({
        flow: 'swap',
        amount: '-5',
        cryptoWalletAddress: { address: 12 },
        email: 'not-an-email',
        locale: 'english please',
        depositCallbackUrl: 'javascript:alert(1)',
        currencyCodeFrom: 5,
      }),
    );
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as { errors: Record<string, string> };
    expect(Object.keys(errors).sort()).toEqual(
      [
        'amount',
        'cryptoWalletAddress',
        'currencyCodeFrom',
        'depositCallbackUrl',
        'email',
        'flow',
        'locale',
      ].sort(),
    );
  });

  it('accepts every documented field with the right types', async () => {
    const res = await postApi(
      okBody({
        flow: 'sellCrypto',
        locale: 'en-US',
        cryptoWalletAddress: { address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', currencyCode: 'BTC' },
        cryptoWalletAddressForRefund: {
          address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
          currencyCode: 'BTC',
        },
        currencyCodeFrom: 'BTC',
        currencyCodeTo: 'EUR',
        amount: '0.015',
        quoteId: 'q-1',
        paymentMethod: 'credit-card',
        payoutMethod: 'sepa',
        depositCallbackUrl: 'https://merchant.example/deposit',
      }),
    );
    expect(res.status).toBe(200);
  });

  it('requires userIp on v3', async () => {
    expect((await postApi(okBody(), { path: '/api/v3/request' })).status).toBe(400);
    expect((await postApi(okBody({ userIp: '203.0.113.9' }), { path: '/api/v3/request' })).status).toBe(200);
  });
});

describe('Paybis sandbox widget', () => {
  async function newRequest(partnerUserId: string): Promise<{ requestId: string; oneTimeToken?: string }> {
    const res = await postApi(
      okBody({ partnerUserId, currencyCodeFrom: 'EUR', currencyCodeTo: 'BTC', amount: '100' }),
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { requestId: string; oneTimeToken?: string };
  }

  it('returns a oneTimeToken for a linked auth key, which logs in once', async () => {
    const { requestId, oneTimeToken } = await newRequest('returning-key');
    expect(oneTimeToken).toEqual(expect.any(String));
    const url = `/widget/?requestId=${requestId}&oneTimeToken=${oneTimeToken}&successReturnURL=${encodeURIComponent('https://shop.example/ok')}`;
    const first = await call(url);
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(testId(html, 'paybis-user-email')).toBe('bob@example.com');
    expect(html).toContain('data-testid="paybis-complete"');
    expect(html).not.toContain('paybis-otp');
    expect(pageConfig(html).events).toEqual([{ name: 'opened' }]);

    const again = await call(url);
    expect(again.status).toBe(403);
    const againHtml = await again.text();
    expect(againHtml).toContain('data-testid="paybis-error"');
    expect(againHtml).not.toContain('paybis-user-email');
    expect(pageConfig(againHtml).events[0]).toMatchObject({ name: 'error', data: { code: 'token_used' } });
  });

  it('refuses an expired token after 15 minutes', async () => {
    const { requestId, oneTimeToken } = await newRequest('returning-key');
    now += PAYBIS_TOKEN_TTL_MS;
    const res = await call(`/widget/?requestId=${requestId}&oneTimeToken=${oneTimeToken}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-code="token_expired"');
  });

  it('refuses a token issued for another request, and an unknown requestId', async () => {
    const a = await newRequest('returning-key');
    const b = await newRequest('returning-key');
    expect((await call(`/widget/?requestId=${b.requestId}&oneTimeToken=${a.oneTimeToken}`)).status).toBe(403);
    const unknown = await call('/widget/?requestId=nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('data-testid="paybis-error"');
    expect((await call('/widget/')).status).toBe(404);
  });

  it('logs a new customer in by email and OTP, links the auth key, then issues tokens for it', async () => {
    const { requestId, oneTimeToken } = await newRequest('new-key');
    expect(oneTimeToken).toBeUndefined();
    const start = await (await call(`/widget/?requestId=${requestId}`)).text();
    expect(start).toContain('data-testid="paybis-email"');
    expect(start).toContain('value="ann@example.com"');
    expect(start).toContain('action="/paybis/widget/email"');

    const otp = await (await call('/widget/email', form({ requestId, email: 'Ann@Example.com' }))).text();
    const code = testId(otp, 'paybis-otp-hint');
    expect(code).toMatch(/^\d{6}$/);
    expect(otp).toContain('data-testid="paybis-otp"');

    const wrong = await call(
      '/widget/verify',
      form({ requestId, email: 'ann@example.com', code: code === '000000' ? '111111' : '000000' }),
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('data-testid="paybis-error"');
    expect(sandbox.linkedEmail('new-key')).toBeUndefined();

    const ok = await (
      await call('/widget/verify', form({ requestId, email: 'ann@example.com', code: code! }))
    ).text();
    expect(testId(ok, 'paybis-user-email')).toBe('ann@example.com');
    expect(sandbox.linkedEmail('new-key')).toBe('ann@example.com');

    const next = await newRequest('new-key');
    expect(next.oneTimeToken).toEqual(expect.any(String));
  });

  it('locks the code after five wrong attempts', async () => {
    const { requestId } = await newRequest('new-key');
    const otp = await (await call('/widget/email', form({ requestId, email: 'ann@example.com' }))).text();
    const bad = testId(otp, 'paybis-otp-hint') === '000000' ? '111111' : '000000';
    let last: Response | undefined;
    for (let i = 0; i < 5; i++)
      last = await call('/widget/verify', form({ requestId, email: 'ann@example.com', code: bad }));
    expect(last?.status).toBe(429);
    const after = await call('/widget/verify', form({ requestId, email: 'ann@example.com', code: bad }));
    expect(await after.text()).toContain('data-testid="paybis-email"');
  });

  it('completes a purchase once, posting completed and returning to successReturnURL', async () => {
    const { requestId, oneTimeToken } = await newRequest('returning-key');
    const success = 'https://shop.example/done?x=1';
    const page = await (
      await call(
        `/widget/?requestId=${requestId}&oneTimeToken=${oneTimeToken}&successReturnURL=${encodeURIComponent(success)}`,
      )
    ).text();
    const session = /name="session" value="([^"]+)"/.exec(page)?.[1];
    expect(session).toBeDefined();
    const done = await call('/widget/complete', form({ session: session!, successReturnURL: success }));
    expect(done.status).toBe(200);
    const config = pageConfig(await done.text());
    expect(config.events[0]).toMatchObject({ name: 'completed', data: { requestId } });
    expect(config).toMatchObject({ successReturnURL: success, returnNow: true });
    expect((await call('/widget/complete', form({ session: session! }))).status).toBe(409);
    expect((await call('/widget/complete', form({ session: 'forged' }))).status).toBe(403);
  });

  it('refuses non-http return URLs and escapes what it echoes', async () => {
    const { requestId } = await newRequest('new-key');
    const js = await call(
      `/widget/?requestId=${requestId}&successReturnURL=${encodeURIComponent('javascript:alert(1)')}`,
    );
    expect(js.status).toBe(400);
    const evil = 'https://shop.example/?q="><script>alert(1)</script>';
    const res = await call(`/widget/?requestId=${requestId}&failureReturnURL=${encodeURIComponent(evil)}`);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('sends a nonce-based CSP that matches the inline script', async () => {
    const { requestId } = await newRequest('new-key');
    const res = await call(`/widget/?requestId=${requestId}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(await res.text()).toContain(`<script nonce="${nonce}">`);
  });

  it('serves the Web SDK script', async () => {
    const res = await call('/widget/partner-exchange-widget.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const js = await res.text();
    expect(js).toContain('window.PartnerExchangeWidget');
    expect(() => new Function(js)).not.toThrow();
  });
});
