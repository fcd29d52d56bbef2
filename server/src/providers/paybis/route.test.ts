import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, PAYBIS_DEMO, type Sandbox } from '@handoff/sandbox';
import { generateKeyPairSync } from 'node:crypto';
import type { PaybisSessionResponse } from '@handoff/core';
import { createHandoff } from '../../app.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { silentLogger } from '../../logger.ts';
import { openStore, type SqlStore } from '../../store/index.ts';

const NOW = new Date('2026-03-01T10:00:00.000Z');

let store: SqlStore;
let sandbox: Sandbox;
/** Bodies the backend sent to Paybis, as parsed JSON. */
let sent: Record<string, unknown>[];

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HANDOFF_PAYBIS_API_KEY: PAYBIS_DEMO.apiKey,
    HANDOFF_PAYBIS_PARTNER_ID: PAYBIS_DEMO.partnerId,
    HANDOFF_PAYBIS_PRIVATE_KEY: PAYBIS_DEMO.privateKeyPem,
    HANDOFF_PAYBIS_API_URL: sandbox.urls.paybisApiUrl,
    HANDOFF_PAYBIS_WIDGET_URL: sandbox.urls.paybisWidgetUrl,
    HANDOFF_LOG_LEVEL: 'silent',
    ...overrides,
  };
}

function app(overrides: Record<string, string | undefined> = {}, fetchImpl?: typeof fetch) {
  return createHandoff({
    config: loadConfig(env(overrides)),
    store,
    logger: silentLogger,
    now: () => NOW,
    fetch:
      fetchImpl ??
      (async (input, init) => {
        const request = new Request(input, init);
        sent.push(JSON.parse(await request.clone().text()) as Record<string, unknown>);
        return sandbox.fetch(request);
      }),
  });
}

async function customerToken(customer: { id: string; email?: string; paybis?: boolean }): Promise<string> {
  const { token } = await store.customerSessions.create({
    accountId: 'default',
    customer,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return token;
}

function post(handoff: ReturnType<typeof app>, token: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return handoff.request('/v1/paybis/session', {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Completes the widget's email + OTP step in the sandbox, linking the auth key to the email. */
async function verifyInWidget(widgetUrl: string, email: string): Promise<void> {
  const requestId = new URL(widgetUrl).searchParams.get('requestId')!;
  const formPost = (path: string, fields: Record<string, string>) =>
    sandbox.fetch(
      new Request(`${sandbox.urls.paybisWidgetUrl}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  const otpPage = await (await formPost('email', { requestId, email })).text();
  const code = /data-testid="paybis-otp-hint">(\d{6})</.exec(otpPage)?.[1];
  expect(code).toBeDefined();
  const done = await (await formPost('verify', { requestId, email, code: code! })).text();
  expect(done).toContain('data-testid="paybis-user-email"');
}

beforeEach(async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  sandbox = createSandbox({ baseUrl: 'http://sandbox.test' });
  sent = [];
});

afterEach(async () => {
  await store.close();
});

describe('POST /v1/paybis/session', () => {
  it('requires a customer', async () => {
    const res = await post(app(), null, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses a customer without the Paybis permission with 403', async () => {
    const token = await customerToken({ id: 'c1', email: 'ann@example.com' });
    const res = await post(app(), token, {});
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(sent).toHaveLength(0);
  });

  it('answers 503 when Paybis is not configured', async () => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const handoff = app({
      HANDOFF_PAYBIS_API_KEY: undefined,
      HANDOFF_PAYBIS_PARTNER_ID: undefined,
      HANDOFF_PAYBIS_PRIVATE_KEY: undefined,
    });
    const res = await post(handoff, token, {});
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'provider_not_configured' } });
  });

  it('fails at start when the private key is not an RSA private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => app({ HANDOFF_PAYBIS_PRIVATE_KEY: ec as string })).toThrow(ConfigError);
    expect(() => app({ HANDOFF_PAYBIS_PRIVATE_KEY: PAYBIS_DEMO.publicKeyPem })).toThrow(
      /HANDOFF_PAYBIS_PRIVATE_KEY/,
    );
  });

  it.each([
    ['flow', { flow: 'swap' }],
    ['locale', { locale: 'english' }],
    ['currencyCodeFrom', { currencyCodeFrom: 'eur' }],
    ['currencyCodeTo', { currencyCodeTo: 'B' }],
    ['amount', { amount: '-1' }],
    ['amount', { amount: '0' }],
    ['amount', { amount: 100 }],
    ['successReturnURL', { successReturnURL: 'javascript:alert(1)' }],
    ['failureReturnURL', { failureReturnURL: '/relative' }],
    ['cryptoWalletAddress.address', { cryptoWalletAddress: { address: 'bc1<script>', currencyCode: 'BTC' } }],
    [
      'cryptoWalletAddress',
      { cryptoWalletAddress: { address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' } },
    ],
    ['unknown field', { partnerUserId: 'someone-else' }],
  ])('refuses an invalid %s with 400', async (_name, body) => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const res = await post(app(), token, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request', message: expect.any(String) } });
    expect(sent).toHaveLength(0);
  });

  it('starts a first session (no token), then a logged-in one with the same auth key', async () => {
    const token = await customerToken({ id: 'c1', email: 'ann@example.com', paybis: true });
    const handoff = app({
      HANDOFF_PAYBIS_ALLOWED_RETURN_ORIGINS: 'https://shop.example',
      HANDOFF_PAYBIS_ALLOW_CRYPTO_WALLET_ADDRESS: 'true',
    });
    const params = {
      flow: 'buyCrypto',
      locale: 'en-US',
      currencyCodeFrom: 'EUR',
      currencyCodeTo: 'BTC',
      amount: '100.00',
      cryptoWalletAddress: { address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', currencyCode: 'BTC' },
      successReturnURL: 'https://shop.example/paybis/done?order=1&x=y',
      failureReturnURL: 'https://shop.example/paybis/failed',
    };

    const first = await post(handoff, token, params);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const one = (await first.json()) as PaybisSessionResponse;
    expect(one.oneTimeToken).toBeUndefined();
    expect(one.expiresAt).toBeUndefined();
    expect(one.scriptUrl).toBe(`${sandbox.urls.paybisWidgetUrl}/partner-exchange-widget.js`);
    const url = new URL(one.widgetUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.urls.paybisWidgetUrl}/`);
    expect(url.searchParams.get('requestId')).toBe(one.requestId);
    expect(url.searchParams.get('successReturnURL')).toBe(params.successReturnURL);
    expect(url.searchParams.get('failureReturnURL')).toBe(params.failureReturnURL);
    expect(one.widgetUrl).toContain(`successReturnURL=${encodeURIComponent(params.successReturnURL)}`);

    expect(sent).toHaveLength(1);
    const authKey = sent[0]!.partnerUserId;
    expect(authKey).toEqual(expect.any(String));
    expect(sent[0]).toEqual({
      partnerUserId: authKey,
      passwordless: true,
      email: 'ann@example.com',
      locale: 'en-US',
      flow: 'buyCrypto',
      cryptoWalletAddress: params.cryptoWalletAddress,
      currencyCodeFrom: 'EUR',
      currencyCodeTo: 'BTC',
      amount: '100.00',
    });

    await verifyInWidget(one.widgetUrl, 'ann@example.com');

    const second = await post(handoff, token, {});
    expect(second.status).toBe(200);
    const two = (await second.json()) as PaybisSessionResponse;
    expect(two.oneTimeToken).toEqual(expect.any(String));
    expect(two.expiresAt).toBe(new Date(NOW.getTime() + 15 * 60 * 1000).toISOString());
    expect(new URL(two.widgetUrl).searchParams.get('oneTimeToken')).toBe(two.oneTimeToken);
    expect(sent[1]!.partnerUserId).toBe(authKey);

    // The link logs the customer in at once, exactly once.
    const widget = await sandbox.fetch(new Request(two.widgetUrl));
    expect(await widget.text()).toMatch(/data-testid="paybis-user-email">ann@example.com</);
    expect((await sandbox.fetch(new Request(two.widgetUrl))).status).toBe(403);

    const audit = await store.audit.list({ accountIds: ['default'], limit: 10 });
    const entries = audit.filter((e) => e.action === 'paybis.session');
    expect(entries.map((e) => [e.outcome, e.detail, e.customerId, e.provider])).toEqual([
      ['success', 'logged_in', 'c1', 'paybis'],
      ['success', 'email_verification', 'c1', 'paybis'],
    ]);
    const auditText = JSON.stringify(audit);
    expect(auditText).not.toContain(two.oneTimeToken);
    expect(auditText).not.toContain(authKey as string);
  });

  it('dates the token from before the Paybis call, not from after it', async () => {
    // Paybis starts the token's 15 minutes when it issues it: a slow answer must not make the
    // page believe the token lives longer than it does.
    let clock = NOW.getTime();
    const handoff = createHandoff({
      config: loadConfig(env()),
      store,
      logger: silentLogger,
      now: () => new Date(clock),
      fetch: async (input, init) => {
        const answer = await sandbox.fetch(new Request(input, init));
        clock += 8_000;
        return answer;
      },
    });
    const token = await customerToken({ id: 'slow-answer', email: 'sam@example.com', paybis: true });
    const firstResponse = await post(handoff, token, {});
    expect(firstResponse.status, await firstResponse.clone().text()).toBe(200);
    const first = (await firstResponse.json()) as PaybisSessionResponse;
    await verifyInWidget(first.widgetUrl, 'sam@example.com');
    const sentAt = clock;
    const second = (await (await post(handoff, token, {})).json()) as PaybisSessionResponse;
    expect(second.oneTimeToken).toEqual(expect.any(String));
    expect(second.expiresAt).toBe(new Date(sentAt + 15 * 60 * 1000).toISOString());
  });

  it('accepts a request without a body', async () => {
    const token = await customerToken({ id: 'c2', paybis: true });
    const res = await post(app(), token);
    expect(res.status).toBe(200);
    expect(sent[0]).toEqual({ partnerUserId: expect.any(String), passwordless: true });
  });

  it('gives different customers different auth keys', async () => {
    const handoff = app();
    await post(handoff, await customerToken({ id: 'a', paybis: true }), {});
    await post(handoff, await customerToken({ id: 'b', paybis: true }), {});
    expect(sent[0]!.partnerUserId).not.toBe(sent[1]!.partnerUserId);
  });

  it('maps a Paybis refusal to 502 and records a failed audit entry, without secrets', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const token = await customerToken({ id: 'c1', paybis: true });
    const res = await post(app({ HANDOFF_PAYBIS_PRIVATE_KEY: other }), token, {});
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      error: { code: 'provider_error', message: expect.stringMatching(/^Paybis: /) },
    });
    expect(text).not.toContain(PAYBIS_DEMO.apiKey);
    expect(text).not.toMatch(/at .*\.ts/);
    const audit = await store.audit.list({ accountIds: ['default'], limit: 10 });
    expect(audit.find((e) => e.action === 'paybis.session')).toMatchObject({
      outcome: 'failure',
      detail: 'provider_error',
    });
  });

  it('maps a Paybis timeout to 504', async () => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const res = await post(app({ HANDOFF_PROVIDER_TIMEOUT_MS: '20' }, hang), token, {});
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { code: 'provider_timeout' } });
  });

  it('is described in the OpenAPI document', async () => {
    const res = await app().request('/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/v1/paybis/session']?.post).toBeDefined();
  });

  it('refuses a wallet address from the page unless the connection allows it', async () => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const res = await post(app(), token, {
      cryptoWalletAddress: { address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', currencyCode: 'BTC' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^cryptoWalletAddress: /,
    );
    expect(sent).toHaveLength(0);
  });

  it("uses the connection's own return URLs and refuses the page's", async () => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const handoff = app({
      HANDOFF_PAYBIS_SUCCESS_RETURN_URL: 'https://shop.example/done',
      HANDOFF_PAYBIS_FAILURE_RETURN_URL: 'https://shop.example/failed',
    });
    const ok = (await (await post(handoff, token, {})).json()) as PaybisSessionResponse;
    const url = new URL(ok.widgetUrl);
    expect(url.searchParams.get('successReturnURL')).toBe('https://shop.example/done');
    expect(url.searchParams.get('failureReturnURL')).toBe('https://shop.example/failed');
    const refused = await post(handoff, token, { successReturnURL: 'https://shop.example/other' });
    expect(refused.status).toBe(400);
  });

  it('refuses every open-redirect attempt through a return URL the page passes', async () => {
    const token = await customerToken({ id: 'c1', paybis: true });
    const handoff = app({ HANDOFF_PAYBIS_ALLOWED_RETURN_ORIGINS: 'https://shop.example' });
    const attempts = [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '//evil.example/x',
      'https://shop.example@evil.example/',
      'https://shop.example:pw@evil.example/',
      'https://evil.example\\@shop.example/',
      'https://shop.example\\@evil.example/',
      'https://shop.example\\evil.example',
      'HTTPS://SHOP.EXAMPLE/done',
      'https://Shop.Example/done',
      'https://shop.example:8443/done',
      'https://shop.example.evil.example/done',
      'https://xn--shp-una.example/done',
      'https://shöp.example/done',
      'http://shop.example/done',
      'https://shop.example\tevil/',
      ' https://shop.example/done',
      'https://evil.example/https://shop.example/',
    ];
    for (const successReturnURL of attempts) {
      const res = await post(handoff, token, { successReturnURL });
      expect(res.status, successReturnURL).toBe(400);
    }
    // And without an allow-list, nothing the page passes is accepted.
    const none = await post(app(), token, { failureReturnURL: 'https://shop.example/done' });
    expect(none.status).toBe(400);
    expect(sent).toHaveLength(0);
    const allowed = await post(handoff, token, { successReturnURL: 'https://shop.example/done?x=1' });
    expect(allowed.status).toBe(200);
  });
});
