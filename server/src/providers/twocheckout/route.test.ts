import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, TWOCHECKOUT_DEMO, type Sandbox } from '@handoff/sandbox';
import type { CustomerIdentity, LinkResponse } from '@handoff/core';
import { createHandoff } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import type { IdentifyCustomer } from '../../context.ts';
import { createLogger, silentLogger, type Logger } from '../../logger.ts';
import { openStore, type SqlStore } from '../../store/index.ts';

const NOW = Date.UTC(2026, 2, 1, 10, 0, 0);
const ADA: CustomerIdentity = {
  id: 'demo-customer',
  email: 'ada@example.com',
  twocheckoutSubscriptions: ['SUB-DEMO-1', 'SUB-DEMO-2'],
};

interface SentRpc {
  method: string;
  params: unknown[];
}

let store: SqlStore;
let sandbox: Sandbox;
let sent: SentRpc[];
let browserIp: string | null;

beforeEach(async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  browserIp = '198.51.100.9';
  sandbox = createSandbox({ baseUrl: 'http://sandbox.test', now: () => NOW, clientIp: () => browserIp });
  sent = [];
});

afterEach(async () => {
  await store.close();
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HANDOFF_2CO_MERCHANT_CODE: TWOCHECKOUT_DEMO.merchantCode,
    HANDOFF_2CO_SECRET_KEY: TWOCHECKOUT_DEMO.secretKey,
    HANDOFF_2CO_API_URL: sandbox.urls.twocheckoutApiUrl,
    HANDOFF_LOG_LEVEL: 'silent',
    ...overrides,
  };
}

const toSandbox: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  sent.push((await request.clone().json()) as SentRpc);
  return sandbox.fetch(request);
};

function app(
  options: {
    env?: Record<string, string | undefined>;
    identify?: IdentifyCustomer;
    logger?: Logger;
    fetch?: typeof fetch;
  } = {},
) {
  return createHandoff({
    config: loadConfig(env(options.env)),
    store,
    logger: options.logger ?? silentLogger,
    now: () => new Date(NOW),
    fetch: options.fetch ?? toSandbox,
    ...(options.identify ? { identify: options.identify } : {}),
  });
}

async function tokenFor(customer: CustomerIdentity = ADA): Promise<string> {
  const { token } = await store.customerSessions.create({
    accountId: 'default',
    customer,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return token;
}

function post(
  handoff: ReturnType<typeof app>,
  token: string | null,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return handoff.request('/v1/2checkout/sso', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const ssoCalls = () => sent.filter((r) => r.method === 'getSingleSignOn');
const audit = () => store.audit.list({ accountIds: ['default'], limit: 50 });

/** Opens the link in the sandbox the way a browser would: follow the redirect with the cookie. */
async function openLink(url: string): Promise<string> {
  const first = await sandbox.fetch(new Request(url));
  expect(first.status).toBe(303);
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const page = await sandbox.fetch(new Request(first.headers.get('location')!, { headers: { cookie } }));
  expect(page.status).toBe(200);
  return page.text();
}

const testId = (html: string, id: string) =>
  new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;

describe('POST /v1/2checkout/sso', () => {
  it("opens myAccount for one of the customer's subscriptions", async () => {
    const res = await post(app(), await tokenFor(), {
      subscriptionReference: 'SUB-DEMO-2',
      accessPage: 'my_license',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as LinkResponse;
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'url']);
    expect(body.expiresAt).toBe(new Date(NOW + 30_000).toISOString());

    const html = await openLink(body.url);
    expect(testId(html, 'myaccount-page')).toBe('my_license');
    expect(testId(html, 'myaccount-customer-email')).toBe('ada@example.com');
    expect(testId(html, 'myaccount-subscription')).toBe('SUB-DEMO-2');
  });

  it('sends the page and the validity, no email and no IP unless the connection says so', async () => {
    await post(app(), await tokenFor(), { subscriptionReference: 'SUB-DEMO-1', validityTime: 120 });
    expect(ssoCalls()[0]?.params.slice(1)).toEqual(['SUB-DEMO-1', null, 120, null, null]);
  });

  it("sends the customer's email when the connection says to", async () => {
    const handoff = app({ env: { HANDOFF_2CO_SEND_CUSTOMER_EMAIL: 'true' } });
    await post(handoff, await tokenFor(), { subscriptionReference: 'SUB-DEMO-1', validityTime: 120 });
    expect(ssoCalls()[0]?.params.slice(1)).toEqual(['SUB-DEMO-1', 'ada@example.com', 120, null, null]);
  });

  it("takes the connection's default validity and refuses more than its maximum", async () => {
    const handoff = app({
      env: { HANDOFF_2CO_DEFAULT_VALIDITY_TIME: '20', HANDOFF_2CO_MAX_VALIDITY_TIME: '60' },
    });
    const token = await tokenFor();
    expect((await post(handoff, token, { subscriptionReference: 'SUB-DEMO-1' })).status).toBe(200);
    expect(ssoCalls()[0]?.params[3]).toBe(20);
    const tooLong = await post(handoff, token, { subscriptionReference: 'SUB-DEMO-1', validityTime: 61 });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({
      error: { code: 'bad_request', message: 'validityTime: at most 60 seconds for this account.' },
    });
    expect(ssoCalls()).toHaveLength(1);
  });

  it('omits the email when the customer has none', async () => {
    const token = await tokenFor({ id: 'anon', twocheckoutSubscriptions: ['SUB-DEMO-1'] });
    const res = await post(app(), token, { subscriptionReference: 'SUB-DEMO-1' });
    expect(res.status).toBe(200);
    expect(ssoCalls()[0]?.params[2]).toBeNull();
  });

  it('records an audit entry with the page and reference, never the URL', async () => {
    const res = await post(app(), await tokenFor(), {
      subscriptionReference: 'SUB-DEMO-1',
      accessPage: 'faq',
    });
    const { url } = (await res.json()) as LinkResponse;
    const entries = await audit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: '2checkout.sso',
      outcome: 'success',
      accountId: 'default',
      customerId: 'demo-customer',
      provider: '2checkout',
      detail: 'faq SUB-DEMO-1',
    });
    const token = new URL(url).searchParams.get('token')!;
    expect(JSON.stringify(entries)).not.toContain(token);
  });

  it('reuses one 2Checkout session across requests', async () => {
    const handoff = app();
    const token = await tokenFor();
    for (const ref of ['SUB-DEMO-1', 'SUB-DEMO-2', 'SUB-DEMO-1']) {
      expect((await post(handoff, token, { subscriptionReference: ref })).status).toBe(200);
    }
    expect(sent.filter((r) => r.method === 'login')).toHaveLength(1);
  });

  it.each(['SUB-OTHER-1', 'SUB-RIVAL-1', 'SUB-DOES-NOT-EXIST'])(
    'refuses %s (not the customer’s) with the same 403, without asking 2Checkout',
    async (ref) => {
      const res = await post(app(), await tokenFor(), { subscriptionReference: ref });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'forbidden', message: 'This subscription is not one of the signed-in customer’s.' },
      });
      expect(sent).toHaveLength(0);
      expect((await audit())[0]).toMatchObject({ outcome: 'failure', detail: `forbidden home ${ref}` });
    },
  );

  it('requires a customer', async () => {
    const res = await post(app(), null, { subscriptionReference: 'SUB-DEMO-1' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses an unknown customer token', async () => {
    const res = await post(app(), 'hc_not-a-real-token', { subscriptionReference: 'SUB-DEMO-1' });
    expect(res.status).toBe(401);
  });

  it.each([
    ['a missing subscriptionReference', {}],
    ['an empty subscriptionReference', { subscriptionReference: '' }],
    ['a numeric subscriptionReference', { subscriptionReference: 1 }],
    ['a too long subscriptionReference', { subscriptionReference: 'S'.repeat(129) }],
    ['an unknown accessPage', { subscriptionReference: 'SUB-DEMO-1', accessPage: 'admin' }],
    ['accessPage "home"', { subscriptionReference: 'SUB-DEMO-1', accessPage: 'home' }],
    ['validityTime 4', { subscriptionReference: 'SUB-DEMO-1', validityTime: 4 }],
    ['validityTime 301', { subscriptionReference: 'SUB-DEMO-1', validityTime: 301 }],
    ['a fractional validityTime', { subscriptionReference: 'SUB-DEMO-1', validityTime: 30.5 }],
    ['a string validityTime', { subscriptionReference: 'SUB-DEMO-1', validityTime: '30' }],
    ['an unknown field', { subscriptionReference: 'SUB-DEMO-1', email: 'eve@example.com' }],
    ['a JSON array', ['SUB-DEMO-1']],
  ])('refuses %s with 400', async (_name, body) => {
    const res = await post(app(), await tokenFor(), body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request', message: expect.any(String) } });
    expect(sent).toHaveLength(0);
  });

  it('accepts the validityTime bounds 5 and 300', async () => {
    const token = await tokenFor();
    const handoff = app();
    for (const validityTime of [5, 300]) {
      const res = await post(handoff, token, { subscriptionReference: 'SUB-DEMO-1', validityTime });
      expect(((await res.json()) as LinkResponse).expiresAt).toBe(
        new Date(NOW + validityTime * 1000).toISOString(),
      );
    }
  });

  it('answers 503 when 2Checkout is not configured', async () => {
    const handoff = app({ env: { HANDOFF_2CO_MERCHANT_CODE: undefined, HANDOFF_2CO_SECRET_KEY: undefined } });
    const res = await post(handoff, await tokenFor(), { subscriptionReference: 'SUB-DEMO-1' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'provider_not_configured' } });
  });

  describe('with HANDOFF_2CO_BIND_IP', () => {
    it("binds the link to the caller's IP", async () => {
      const handoff = app({ env: { HANDOFF_2CO_BIND_IP: 'true', HANDOFF_TRUST_PROXY: 'true' } });
      const res = await post(
        handoff,
        await tokenFor(),
        { subscriptionReference: 'SUB-DEMO-1' },
        {
          'x-forwarded-for': '10.0.0.1, 198.51.100.9',
        },
      );
      expect(res.status).toBe(200);
      expect(ssoCalls()[0]?.params[5]).toBe('198.51.100.9');
      const { url } = (await res.json()) as LinkResponse;
      browserIp = '192.0.2.50'; // someone else opening the link
      expect((await sandbox.fetch(new Request(url))).status).toBe(403);
      browserIp = '198.51.100.9';
      expect(testId(await openLink(url), 'myaccount-subscription')).toBe('SUB-DEMO-1');
    });

    it('refuses to issue an unbound link when the caller’s IP is unknown', async () => {
      const handoff = app({ env: { HANDOFF_2CO_BIND_IP: 'true' } });
      const res = await post(handoff, await tokenFor(), { subscriptionReference: 'SUB-DEMO-1' });
      expect(res.status).toBe(500);
      expect(sent).toHaveLength(0);
    });
  });

  it("passes 2Checkout's refusal on as 502, audited, without secrets in the answer or the logs", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    // The host app believes the customer owns SUB-OTHER-1, but 2Checkout knows it is someone else's.
    const token = await tokenFor({ ...ADA, twocheckoutSubscriptions: ['SUB-OTHER-1'] });
    const handoff = app({ logger, env: { HANDOFF_2CO_SEND_CUSTOMER_EMAIL: 'true' } });
    const res = await post(handoff, token, { subscriptionReference: 'SUB-OTHER-1' });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('provider_error');
    expect(body.error.message).toMatch(/^2Checkout: INVALID_EMAIL/);
    expect((await audit())[0]).toMatchObject({
      outcome: 'failure',
      detail: 'provider_error home SUB-OTHER-1',
    });
    const everything = JSON.stringify(body) + lines.join('\n');
    expect(everything).not.toContain(TWOCHECKOUT_DEMO.secretKey);
    expect(everything).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  });

  it('answers 504 when 2Checkout does not answer in time', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const res = await post(
      app({ env: { HANDOFF_PROVIDER_TIMEOUT_MS: '20' }, fetch: hang }),
      await tokenFor(),
      {
        subscriptionReference: 'SUB-DEMO-1',
      },
    );
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { code: 'provider_timeout' } });
  });

  it('works in embedded mode with an identify hook', async () => {
    const handoff = app({ identify: () => ADA });
    const res = await post(handoff, null, { subscriptionReference: 'SUB-DEMO-2', accessPage: 'change_card' });
    expect(res.status).toBe(200);
    const html = await openLink(((await res.json()) as LinkResponse).url);
    expect(testId(html, 'myaccount-page')).toBe('change_card');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await app().request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const op = doc.paths['/v1/2checkout/sso']?.post;
    expect(op).toBeDefined();
    expect(Object.keys(op!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '502', '503', '504']),
    );
  });
});
