import { expect, it } from 'vitest';
import type { LinkResponse, MeResponse } from '@handoff/core';
import { createSandbox, PAYBIS_SECOND, sandboxEnv } from '@handoff/sandbox';
import { createHandoff, loadConfig, openStore } from '@handoff/server';

/**
 * Sandbox customers sign up, pay and cancel; the sandbox sends the providers' webhooks to the
 * backend; a customer bound only by id and verified email then reaches their own OkePay portal
 * and 2Checkout subscriptions. Everything in process: the sandbox delivers to the backend's
 * fetch handler and the backend calls the sandbox's.
 */
const TOKEN = 'test-webhook-token-0123456789abcdef';

async function setUp(env: Record<string, string> = {}) {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  // The sandbox and the backend call each other: the sandbox is made first, the backend after.
  const backend: { fetch?: (request: Request) => Response | Promise<Response> } = {};
  const sandbox = createSandbox({
    webhooks: { deliver: async (request) => backend.fetch!(request), retryDelaysMs: [1, 1] },
  });
  const config = loadConfig({
    ...sandboxEnv(sandbox),
    HANDOFF_WEBHOOK_TOKEN: TOKEN,
    HANDOFF_LOG_LEVEL: 'silent',
    ...env,
  });
  backend.fetch = createHandoff({
    config,
    store,
    fetch: (input, init) => sandbox.fetch(new Request(input, init)),
  }).fetch;
  const base = 'http://handoff.test';
  const hook = (provider: string) => `${base}/v1/webhooks/${provider}/${TOKEN}`;
  const request = (path: string, init?: RequestInit) => backend.fetch!(new Request(`${base}${path}`, init));
  const customerToken = async (customer: Record<string, unknown>) => {
    const { token } = await store.customerSessions.create({
      accountId: 'default',
      customer: customer as { id: string },
      expiresAt: new Date(Date.now() + 600_000),
    });
    return { authorization: `Bearer ${token}` };
  };
  return { store, sandbox, hook, request, customerToken };
}

for (const encoding of ['json', 'php-form'] as const) {
  it(`learns a new OkePay customer from the sandbox's webhooks (${encoding}) and opens their portal`, async () => {
    const { sandbox, hook, request, customerToken, store } = await setUp();
    sandbox.webhooks.configure('default', 'okepay', { url: hook('okepay'), encoding });
    const { subscriptionId } = sandbox.webhooks.trigger({
      provider: 'okepay',
      type: 'subscribe',
      email: 'New.Person@example.com',
      firstName: 'New',
      lastName: 'Person',
    });
    await sandbox.webhooks.settled();
    expect(sandbox.webhooks.deliveries().map((d) => [d.status, d.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);

    const headers = await customerToken({ id: 'u-42', email: 'new.person@example.com', emailVerified: true });
    const me = (await (await request('/v1/me', { headers })).json()) as MeResponse;
    expect(me.providers.okepay).toBe(true);
    const link = await request('/v1/okepay/login-link', { method: 'POST', headers });
    expect(link.status).toBe(200);
    const { url } = (await link.json()) as LinkResponse;
    const login = await sandbox.fetch(new Request(url));
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const portal = await (
      await sandbox.fetch(new Request(login.headers.get('location')!, { headers: { cookie } }))
    ).text();
    expect(portal).toContain('New Person');

    // Cancelling is learnt too (newest first: the cancellation, then both webhooks of the payment).
    sandbox.webhooks.trigger({ provider: 'okepay', type: 'cancel', subscriptionId: subscriptionId! });
    await sandbox.webhooks.settled();
    const audit = await store.audit.list({ accountIds: ['default'], limit: 20 });
    const [cancellation, ...payment] = audit
      .filter((e) => e.action === 'webhook.receive')
      .map((e) => e.detail);
    expect(cancellation).toBe(`subscription ${subscriptionId}: applied`);
    // The payment's two webhooks are delivered concurrently: either may be recorded first.
    expect(payment).toHaveLength(2);
    expect(payment).toEqual(
      expect.arrayContaining([
        `subscription ${subscriptionId}: applied`,
        expect.stringMatching(/^transaction \d+: applied$/),
      ]),
    );

    // Without emailVerified the same email resolves nothing.
    const unverified = await customerToken({ id: 'u-43', email: 'new.person@example.com' });
    expect((await request('/v1/okepay/login-link', { method: 'POST', headers: unverified })).status).not.toBe(
      200,
    );
  });
}

for (const algo of ['md5', 'sha256', 'sha3-256'] as const) {
  it(`learns 2Checkout subscriptions from signed IPN and LCN (${algo}) and signs the customer in`, async () => {
    const { sandbox, hook, request, customerToken } = await setUp({ HANDOFF_2CO_HASH_ALGO: algo });
    sandbox.webhooks.configure('default', '2checkout', { url: hook('2checkout') });
    const { reference } = sandbox.webhooks.trigger({
      provider: '2checkout',
      type: 'subscribe',
      email: 'lin@example.com',
    });
    await sandbox.webhooks.settled();
    // Delivered means 2Checkout read a valid receipt.
    expect(sandbox.webhooks.deliveries().map((d) => d.status)).toEqual(['delivered', 'delivered']);

    const headers = await customerToken({ id: 'u-7', email: 'lin@example.com', emailVerified: true });
    const me = (await (await request('/v1/me', { headers })).json()) as MeResponse;
    expect(me.providers['2checkout']?.subscriptions).toEqual([
      { reference, status: 'active', expiresAt: expect.any(String) },
    ]);
    const sso = await request('/v1/2checkout/sso', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ subscriptionReference: reference }),
    });
    expect(sso.status).toBe(200);

    sandbox.webhooks.trigger({ provider: '2checkout', type: 'cancel', reference: reference! });
    await sandbox.webhooks.settled();
    const after = (await (await request('/v1/me', { headers })).json()) as MeResponse;
    expect(after.providers['2checkout']?.subscriptions[0]?.status).toBe('disabled');
  });
}

it('retries a 2Checkout notification that gets no valid receipt, a bounded number of times', async () => {
  const { sandbox } = await setUp();
  sandbox.webhooks.configure('default', '2checkout', {
    url: 'http://handoff.test/v1/webhooks/2checkout/wrong-token-wrong-token-wrong-token',
  });
  sandbox.webhooks.trigger({ provider: '2checkout', type: 'subscribe', email: 'lin@example.com' });
  await sandbox.webhooks.settled();
  expect(sandbox.webhooks.deliveries().map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([
    ['failed', 3, 404],
    ['failed', 3, 404],
  ]);
});

it('records a signed Paybis verification update', async () => {
  const { sandbox, hook, store } = await setUp({
    HANDOFF_PAYBIS_WEBHOOK_PUBLIC_KEY: PAYBIS_SECOND.publicKeyPem,
  });
  sandbox.webhooks.configure('default', 'paybis', {
    url: hook('paybis'),
    privateKeyPem: PAYBIS_SECOND.privateKeyPem,
  });
  const { authKey } = await store.paybisAuthKeys.getOrCreate('default', 'u-9');
  sandbox.webhooks.trigger({ provider: 'paybis', type: 'verification', authKey, status: 'approved' });
  await sandbox.webhooks.settled();
  expect(await store.customerDirectory.paybisStatus('default', authKey)).toBe('approved');

  // Unsigned, it is refused and retried.
  sandbox.webhooks.configure('default', 'paybis', { url: hook('paybis') });
  sandbox.webhooks.trigger({ provider: 'paybis', type: 'verification', authKey, status: 'failed' });
  await sandbox.webhooks.settled();
  expect(sandbox.webhooks.deliveries().at(-1)).toMatchObject({ status: 'failed', lastStatus: 401 });
  expect(await store.customerDirectory.paybisStatus('default', authKey)).toBe('approved');
});

it("serves OkePay's retrieval API only with a valid ApiSignature", async () => {
  const { sandbox } = await setUp();
  const { subscriptionId } = sandbox.webhooks.trigger({
    provider: 'okepay',
    type: 'subscribe',
    email: 'x@example.com',
  });
  const base = `${sandbox.urls.okepayApiBase}/v1/Subscription/${subscriptionId}/?instance=demo`;
  expect((await sandbox.fetch(new Request(`${base}&ApiSignature=AAAA`))).status).toBe(403);
  expect((await sandbox.fetch(new Request(base))).status).toBe(403);
});
