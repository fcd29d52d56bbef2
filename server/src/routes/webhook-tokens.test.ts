import { expect, it } from 'vitest';
import { configWithProviders, login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { forEachStore } from '../store/test-stores.ts';
import { hmacHex, signedString } from '../webhooks/twocheckout.ts';

const config = () => configWithProviders({ HANDOFF_ENCRYPTION_KEY: 'ab'.repeat(32) });

function lcn(secretKey: string, reference: string): string {
  const fields: Array<[string, string]> = [
    ['LICENSE_CODE', reference],
    ['EXPIRATION_DATE', '2027-01-31'],
    ['DATE_UPDATED', '2026-12-01 10:00:00'],
    ['EMAIL', 'ada@example.com'],
  ];
  return new URLSearchParams([
    ...fields,
    ['HASH', hmacHex('md5', secretKey, signedString(fields))],
  ]).toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

forEachStore('webhook tokens', ({ open }) => {
  it("gives each connection its own webhook URL, feeding only its account's directory", async () => {
    const store = await open();
    const app = testApp(store, { config: config() });
    const admin = await login(
      app,
      await seedApiUser(store, { email: 'admin@acme.test', accountId: 'acme', roles: ['admin'] }),
    );
    const bearer = { authorization: `Bearer ${admin}` };
    const put = await app.request('/v1/accounts/acme/connections/2checkout', {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ merchantCode: 'ACME', secretKey: 'acme-secret' }),
    });
    expect(put.status).toBeLessThan(300);

    const made = await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {}, admin);
    expect(made.status).toBe(201);
    const { token, path } = (await made.json()) as { token: string; path: string };
    expect(path).toBe(`/v1/webhooks/2checkout/${token}`);
    expect(token).toMatch(/^whk_[A-Za-z0-9_-]{43}$/);

    // The default account's 2Checkout secret does not sign for Acme.
    expect(
      (
        await app.request(path, {
          method: 'POST',
          headers: FORM,
          body: lcn('twocheckout-test-secret', 'SUB-A'),
        })
      ).status,
    ).toBe(401);
    expect(
      (await app.request(path, { method: 'POST', headers: FORM, body: lcn('acme-secret', 'SUB-A') })).status,
    ).toBe(200);
    expect(
      (await store.customerDirectory.lookup('acme', 'ada@example.com')).twocheckoutSubscriptions,
    ).toHaveLength(1);
    expect(
      (await store.customerDirectory.lookup('default', 'ada@example.com')).twocheckoutSubscriptions,
    ).toEqual([]);
    // A token made for 2Checkout opens no other provider's endpoint.
    expect(
      (
        await app.request(`/v1/webhooks/paybis/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);

    const list = await app.request('/v1/accounts/acme/webhooks', { headers: bearer });
    const listed = JSON.stringify(await list.json());
    expect(listed).toContain('/v1/webhooks/2checkout/{token}');
    expect(listed).not.toContain(token);

    // Rotating ends the old URL.
    const rotated = (await (
      await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {}, admin)
    ).json()) as {
      path: string;
    };
    expect(
      (await app.request(path, { method: 'POST', headers: FORM, body: lcn('acme-secret', 'SUB-B') })).status,
    ).toBe(404);
    expect(
      (await app.request(rotated.path, { method: 'POST', headers: FORM, body: lcn('acme-secret', 'SUB-B') }))
        .status,
    ).toBe(200);
  });

  it("drops a connection's webhook URL with the connection: setting it again never revives it", async () => {
    const store = await open();
    const app = testApp(store, { config: config() });
    const admin = await login(
      app,
      await seedApiUser(store, { email: 'admin@acme.test', accountId: 'acme', roles: ['admin'] }),
    );
    const json = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const setConnection = () =>
      app.request('/v1/accounts/acme/connections/2checkout', {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ merchantCode: 'ACME', secretKey: 'acme-secret' }),
      });
    expect((await setConnection()).status).toBeLessThan(300);
    const made = await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {}, admin);
    const { path } = (await made.json()) as { path: string };
    const deliver = () =>
      app.request(path, { method: 'POST', headers: FORM, body: lcn('acme-secret', 'SUB-A') });
    expect((await deliver()).status).toBe(200);

    const removed = await app.request('/v1/accounts/acme/connections/2checkout', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(removed.status).toBeLessThan(300);
    expect((await deliver()).status).toBe(404);
    expect((await setConnection()).status).toBeLessThan(300);
    expect((await deliver()).status).toBe(404);
  });

  it('needs connections:manage in that account', async () => {
    const store = await open();
    const app = testApp(store, { config: config() });
    await store.accounts.create({ id: 'acme', name: 'Acme' });
    const other = await login(
      app,
      await seedApiUser(store, { email: 'admin@default.test', roles: ['admin'] }),
    );
    const integration = await login(
      app,
      await seedApiUser(store, { email: 'app@acme.test', accountId: 'acme', roles: ['integration'] }),
    );
    expect(
      (await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {}, other)).status,
    ).toBe(403);
    expect(
      (await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {}, integration)).status,
    ).toBe(403);
    expect((await postJson(app, '/v1/accounts/acme/connections/2checkout/webhook-token', {})).status).toBe(
      401,
    );
    expect(
      (await postJson(app, '/v1/accounts/acme/connections/stripe/webhook-token', {}, other)).status,
    ).toBe(400);
  });
});
