import { beforeEach, expect, it } from 'vitest';
import {
  OKEPAY_SECOND,
  sandboxEnv,
  secondMerchantConnections,
  TWOCHECKOUT_SECOND,
  PAYBIS_SECOND,
  type Sandbox,
} from '@handoff/sandbox';
import type { CustomerIdentity, LinkResponse, MeResponse, PaybisSessionResponse } from '@handoff/core';
import type { IdentifyCustomer } from '../context.ts';
import { forEachStore } from '../store/test-stores.ts';
import type { SqlStore } from '../store/index.ts';
import { connectionsApp, newKey, request, sessionFor, twoMerchantSandbox } from './test-support.ts';

/**
 * Two accounts with different connections: `default` (the environment's demo merchants) and
 * `second` (stored connections to the sandbox's second merchants). Whatever a customer of one
 * names (ids in its session, embedded identity, the session's account), it only ever reaches its
 * own account's merchants.
 */

let sandbox: Sandbox;
let sent: Request[];
beforeEach(() => {
  sandbox = twoMerchantSandbox();
  sent = [];
});

const outbound: typeof fetch = (input, init) => {
  const req = new Request(input, init);
  sent.push(req.clone());
  return sandbox.fetch(req);
};

const KEY = newKey();

const SAME_CUSTOMER: CustomerIdentity = {
  id: 'demo-customer',
  email: 'ada@example.com',
  okepayContactId: 1001,
  // The first merchant's subscription, named by a customer of the second account.
  twocheckoutSubscriptions: ['SUB-DEMO-1', 'SUB-SECOND-1'],
  paybis: true,
};

forEachStore('accounts are a boundary for provider connections', ({ open, openPair }) => {
  async function setUp(identify?: IdentifyCustomer, given?: SqlStore) {
    const store = given ?? (await open());
    const env = {
      ...sandboxEnv(sandbox),
      HANDOFF_ENCRYPTION_KEY: KEY,
      HANDOFF_PAYBIS_ALLOW_CRYPTO_WALLET_ADDRESS: 'false',
    };
    const app = connectionsApp(store, { env, fetch: outbound, ...(identify ? { identify } : {}) });
    await store.accounts.create({ id: 'second', name: 'Second' });
    await store.accounts.create({ id: 'empty', name: 'No connections' });
    const admin = await sessionFor(app, store, {
      email: 'admin@second.test',
      accountId: 'second',
      roles: ['admin'],
    });
    for (const [provider, body] of Object.entries(secondMerchantConnections(sandbox))) {
      const res = await request(app, 'PUT', `/v1/accounts/second/connections/${provider}`, admin.token, body);
      expect(res.status, provider).toBe(200);
    }
    return { store, app, admin: admin.token };
  }

  async function customerToken(store: SqlStore, accountId: string, customer = SAME_CUSTOMER) {
    const { token } = await store.customerSessions.create({
      accountId,
      customer,
      expiresAt: new Date(Date.now() + 600_000),
    });
    return token;
  }

  /** The OkePay portal page the link logs in to. */
  async function portalPage(url: string): Promise<string> {
    const first = await sandbox.fetch(new Request(url));
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const location = first.headers.get('location')!;
    return (await sandbox.fetch(new Request(location, { headers: { cookie } }))).text();
  }

  it("OkePay: the same contact id opens each account's own instance, never the other's", async () => {
    const { store, app } = await setUp();
    const first = await request(
      app,
      'POST',
      '/v1/okepay/login-link',
      await customerToken(store, 'default'),
      {},
    );
    const second = await request(
      app,
      'POST',
      '/v1/okepay/login-link',
      await customerToken(store, 'second'),
      {},
    );
    expect([first.status, second.status]).toEqual([200, 200]);
    const firstUrl = ((await first.json()) as LinkResponse).url;
    const secondUrl = ((await second.json()) as LinkResponse).url;
    expect(firstUrl).toMatch(/^http:\/\/sandbox\.test\/okepay\/portal\/demo\//);
    expect(secondUrl).toMatch(/^http:\/\/sandbox\.test\/merchants\/second\/okepay\/portal\/second\//);
    const secondPage = await portalPage(secondUrl);
    expect(secondPage).toContain('Second shop plan');
    expect(secondPage).not.toContain('Pro plan');
    expect(await portalPage(firstUrl)).toContain('Pro plan');
    expect(new URL(sent[1]!.url).searchParams.get('instance')).toBe('second');
    // A contact id the second instance does not have is refused by it, not looked up elsewhere.
    const stranger = await customerToken(store, 'second', { id: 'x', okepayContactId: 1002 });
    expect((await request(app, 'POST', '/v1/okepay/login-link', stranger, {})).status).toBe(502);
    expect(new URL(sent[2]!.url).searchParams.get('instance')).toBe('second');
  });

  it("2Checkout: a subscription reference of the other account's merchant is refused", async () => {
    const { store, app } = await setUp();
    const second = await customerToken(store, 'second');
    const foreign = await request(app, 'POST', '/v1/2checkout/sso', second, {
      subscriptionReference: 'SUB-DEMO-1',
    });
    expect(foreign.status).toBe(502);
    const own = await request(app, 'POST', '/v1/2checkout/sso', second, {
      subscriptionReference: 'SUB-SECOND-1',
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as LinkResponse).url).toMatch(
      /^http:\/\/sandbox\.test\/merchants\/second\/2checkout\//,
    );
    const logins = await Promise.all(
      sent.map(async (r) => (await r.clone().json()) as { method: string; params: unknown[] }),
    );
    expect(logins.filter((call) => call.method === 'login').map((call) => call.params[0])).toEqual([
      TWOCHECKOUT_SECOND.merchantCode,
    ]);
    // And the first account's customer cannot reach the second merchant's subscription.
    const first = await customerToken(store, 'default');
    const reach = await request(app, 'POST', '/v1/2checkout/sso', first, {
      subscriptionReference: 'SUB-SECOND-1',
    });
    expect(reach.status).toBe(502);
  });

  it('Paybis: the same customer id in two accounts gets two auth keys, each sent to its own partner', async () => {
    const { store, app } = await setUp();
    const first = await request(app, 'POST', '/v1/paybis/session', await customerToken(store, 'default'), {});
    const second = await request(app, 'POST', '/v1/paybis/session', await customerToken(store, 'second'), {});
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as PaybisSessionResponse).widgetUrl).toMatch(
      /^http:\/\/sandbox\.test\/merchants\/second\/paybis\/widget\//,
    );
    const [toFirst, toSecond] = sent;
    const keyOf = async (r: Request) => ((await r.clone().json()) as { partnerUserId: string }).partnerUserId;
    expect(await keyOf(toFirst!)).not.toBe(await keyOf(toSecond!));
    expect(toFirst!.headers.get('authorization')).not.toBe(toSecond!.headers.get('authorization'));
    expect(toSecond!.headers.get('authorization')).toBe(`Bearer ${PAYBIS_SECOND.apiKey}`);
    expect(new URL(toSecond!.url).pathname).toMatch(/^\/merchants\/second\/paybis\/api\//);
    const stored = await store.paybisAuthKeys.getOrCreate('second', 'demo-customer');
    expect(stored.created).toBe(false);
    expect(stored.authKey).toBe(await keyOf(toSecond!));
  });

  it("embedded mode: the identity's account decides the connections, never the caller", async () => {
    let identity: CustomerIdentity & { accountId?: string } = { ...SAME_CUSTOMER, accountId: 'second' };
    const { app } = await setUp(() => identity);
    const okepay = await app.request('/v1/okepay/login-link', { method: 'POST' });
    expect(((await okepay.json()) as LinkResponse).url).toMatch(
      /\/merchants\/second\/okepay\/portal\/second\//,
    );
    identity = { ...SAME_CUSTOMER, accountId: 'empty' };
    for (const path of ['/v1/okepay/login-link', '/v1/paybis/session']) {
      const res = await app.request(path, { method: 'POST' });
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('provider_not_configured');
    }
    identity = { ...SAME_CUSTOMER, accountId: 'nowhere' };
    expect((await app.request('/v1/okepay/login-link', { method: 'POST' })).status).toBe(503);
  });

  it('an account without connections answers 503 on every provider route, and /v1/me reports per account', async () => {
    const { store, app } = await setUp();
    const empty = await customerToken(store, 'empty');
    for (const [path, body] of [
      ['/v1/okepay/login-link', {}],
      ['/v1/2checkout/sso', { subscriptionReference: 'SUB-DEMO-1' }],
      ['/v1/paybis/session', {}],
    ] as const) {
      const res = await request(app, 'POST', path, empty, body);
      expect(res.status, path).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'provider_not_configured' } });
    }
    expect(sent).toHaveLength(0);

    const me = async (accountId: string) =>
      (await (
        await request(app, 'GET', '/v1/me', await customerToken(store, accountId))
      ).json()) as MeResponse;
    expect((await me('empty')).providers).toEqual({ okepay: false, '2checkout': null, paybis: null });
    expect((await me('default')).providers.paybis?.scriptUrl).toBe(
      `${sandbox.urls.paybisWidgetUrl}/partner-exchange-widget.js`,
    );
    expect((await me('second')).providers).toEqual({
      okepay: true,
      '2checkout': { subscriptionReferences: SAME_CUSTOMER.twocheckoutSubscriptions },
      paybis: { scriptUrl: `${sandbox.merchants.second!.urls.paybisWidgetUrl}/partner-exchange-widget.js` },
    });
  });

  it('a changed or removed connection is seen by another instance on its next request', async () => {
    const [one, two] = await openPair();
    const { app } = await setUp(undefined, one);
    const other = connectionsApp(two, {
      env: { ...sandboxEnv(sandbox), HANDOFF_ENCRYPTION_KEY: KEY },
      fetch: outbound,
    });
    const admin = await sessionFor(other, two, {
      email: 'ops@second.test',
      accountId: 'second',
      roles: ['admin'],
    });
    const token = await customerToken(one, 'second');
    expect((await request(app, 'POST', '/v1/okepay/login-link', token, {})).status).toBe(200);

    // The other instance changes the secret: the first one's cached client is not used again.
    const changed = await request(other, 'PUT', '/v1/accounts/second/connections/okepay', admin.token, {
      instance: OKEPAY_SECOND.instance,
      secret: 'not-the-instance-secret',
      apiBase: sandbox.merchants.second!.urls.okepayApiBase,
    });
    expect(changed.status).toBe(200);
    expect((await request(app, 'POST', '/v1/okepay/login-link', token, {})).status).toBe(502);

    expect(
      (await request(other, 'DELETE', '/v1/accounts/second/connections/okepay', admin.token)).status,
    ).toBe(200);
    expect((await request(app, 'POST', '/v1/okepay/login-link', token, {})).status).toBe(503);
  });
});
