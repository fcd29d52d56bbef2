import { expect, it } from 'vitest';
import { login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { forEachStore } from '../store/test-stores.ts';

const customer = {
  id: 'cust-1',
  email: 'jane@example.com',
  okepayContactId: 4711,
  twocheckoutSubscriptions: ['SUB-1', 'SUB_2'],
  paybis: true,
};

forEachStore('POST /v1/customer-sessions', ({ open }) => {
  it('binds the customer to a token with the default lifetime, and audits it', async () => {
    const clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, { now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const token = await login(app, user);

    const res = await postJson(app, '/v1/customer-sessions', { customer }, token);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: string; expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token']);
    expect(body.token).toMatch(/^hc_/);
    expect(body.expiresAt).toBe('2030-01-01T00:15:00.000Z');
    expect(await store.customerSessions.resolve(body.token)).toMatchObject({
      ...customer,
      accountId: 'default',
    });

    const [entry] = await store.audit.list({ accountIds: ['default'], limit: 1 });
    expect(entry).toMatchObject({
      action: 'customer_session.create',
      customerId: 'cust-1',
      userId: user.userId,
    });
    expect(JSON.stringify(entry)).not.toContain(body.token);
  });

  it("honours ttlSeconds and accountId among the user's accounts", async () => {
    const clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, { now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    await seedApiUser(store, { email: 'svc@example.com', accountId: 'acme', roles: ['integration'] });
    await store.accounts.create({ id: 'other', name: 'Other' });
    const token = await login(app, user);

    const res = await postJson(
      app,
      '/v1/customer-sessions',
      { customer, ttlSeconds: 120, accountId: 'acme' },
      token,
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: string; expiresAt: string };
    expect(body.expiresAt).toBe('2030-01-01T00:02:00.000Z');
    expect((await store.customerSessions.resolve(body.token))?.accountId).toBe('acme');

    const foreign = await postJson(app, '/v1/customer-sessions', { customer, accountId: 'other' }, token);
    expect(foreign.status).toBe(403);
    const missing = await postJson(app, '/v1/customer-sessions', { customer, accountId: 'nope' }, token);
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('validates the body strictly', async () => {
    const store = await open();
    const app = testApp(store);
    const token = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] }),
    );
    const bad = [
      {},
      { customer: {} },
      { customer: { id: '' } },
      { customer: { id: 'x'.repeat(201) } },
      { customer: { id: 'a\nb' } },
      // Lone surrogates: PostgreSQL would store both as "a\ufffd", one customer.
      { customer: { id: 'a\ud800' } },
      { customer: { id: '\udc00a' } },
      { customer: { id: 'a', email: 'not-an-email' } },
      { customer: { id: 'a', okepayContactId: 0 } },
      { customer: { id: 'a', okepayContactId: 1.5 } },
      { customer: { id: 'a', okepayContactId: '12' } },
      { customer: { id: 'a', twocheckoutSubscriptions: ['ok', 'bad ref'] } },
      { customer: { id: 'a', twocheckoutSubscriptions: ['x'.repeat(65)] } },
      { customer: { id: 'a', twocheckoutSubscriptions: Array.from({ length: 51 }, (_, i) => `S${i}`) } },
      { customer: { id: 'a', paybis: 'yes' } },
      { customer: { id: 'a', emailVerified: true } },
      { customer: { id: 'a', email: 'a@example.com', emailVerified: 'true' } },
      { customer: { id: 'a', admin: true } },
      { customer: { id: 'a' }, ttlSeconds: 59 },
      { customer: { id: 'a' }, ttlSeconds: 86_401 },
      { customer: { id: 'a' }, accountId: '' },
      { customer: { id: 'a' }, extra: 1 },
    ];
    for (const body of bad) {
      const res = await postJson(app, '/v1/customer-sessions', body, token);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const ok = await postJson(
      app,
      '/v1/customer-sessions',
      { customer: { id: 'a', twocheckoutSubscriptions: Array.from({ length: 50 }, (_, i) => `S${i}`) } },
      token,
    );
    expect(ok.status).toBe(201);
    const byEmail = await postJson(
      app,
      '/v1/customer-sessions',
      { customer: { id: 'a', email: 'a@example.com', emailVerified: true } },
      token,
    );
    expect(byEmail.status).toBe(201);
    // A surrogate pair is one well-formed character.
    const astral = await postJson(app, '/v1/customer-sessions', { customer: { id: 'Zoë 😀' } }, token);
    expect(astral.status).toBe(201);
    const { token: astralToken } = (await astral.json()) as { token: string };
    expect((await store.customerSessions.resolve(astralToken))?.id).toBe('Zoë 😀');
  });

  it('requires a session token with customer-sessions:create', async () => {
    const store = await open();
    const app = testApp(store);
    expect((await postJson(app, '/v1/customer-sessions', { customer })).status).toBe(401);
    expect((await postJson(app, '/v1/customer-sessions', { customer }, 'hs_nope')).status).toBe(401);
    const auditor = await login(
      app,
      await seedApiUser(store, { email: 'aud@example.com', roles: ['auditor'] }),
    );
    const res = await postJson(app, '/v1/customer-sessions', { customer }, auditor);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const admin = await login(app, await seedApiUser(store, { email: 'adm@example.com', roles: ['admin'] }));
    expect((await postJson(app, '/v1/customer-sessions', { customer }, admin)).status).toBe(201);
  });
});

forEachStore('POST /v1/customer-sessions/revoke', ({ open }) => {
  it("revokes a customer token of the caller's accounts; other accounts' tokens are untouched", async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const token = await login(app, user);
    const mine = (
      (await (await postJson(app, '/v1/customer-sessions', { customer }, token)).json()) as { token: string }
    ).token;
    await store.accounts.create({ id: 'rival', name: 'Rival' });
    const theirs = await store.customerSessions.create({
      accountId: 'rival',
      customer: { id: 'r1' },
      expiresAt: new Date(Date.now() + 600_000),
    });

    const revoke = (t: string, as = token) => postJson(app, '/v1/customer-sessions/revoke', { token: t }, as);
    const other = await revoke(theirs.token);
    expect(await other.json()).toEqual({ revoked: false });
    expect(await store.customerSessions.resolve(theirs.token)).not.toBeNull();

    const res = await revoke(mine);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: true });
    expect(await store.customerSessions.resolve(mine)).toBeNull();
    expect((await app.request('/v1/me', { headers: { authorization: `Bearer ${mine}` } })).status).toBe(401);
    expect(await (await revoke(mine)).json()).toEqual({ revoked: false });

    const auditor = await login(
      app,
      await seedApiUser(store, { email: 'aud@example.com', roles: ['auditor'] }),
    );
    expect((await revoke(theirs.token, auditor)).status).toBe(403);
    expect(
      (await postJson(app, '/v1/customer-sessions/revoke', { token: mine, extra: 1 }, token)).status,
    ).toBe(400);
  });
});

forEachStore('revoking an API key', ({ open }) => {
  it('ends the customer tokens made through its sessions; tokens of other keys keep working', async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const spare = await store.apiKeys.create(user.userId);
    const customerToken = async (session: string) =>
      (
        (await (await postJson(app, '/v1/customer-sessions', { customer }, session)).json()) as {
          token: string;
        }
      ).token;
    const leaked = await customerToken(await login(app, user));
    const kept = await customerToken(await login(app, { ...user, keyId: spare.keyId, secret: spare.secret }));
    const me = (token: string) => app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect((await me(leaked)).status).toBe(200);

    expect(await store.apiKeys.revoke(user.keyId)).toBe(true);
    expect((await me(leaked)).status).toBe(401);
    expect((await me(kept)).status).toBe(200);
  });
});

forEachStore('customer tokens end with what made them', ({ open }) => {
  it('ends no later than the API session, nor the API key, it was made with', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, { now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    // The key expires in ten minutes, so the session it opens does too.
    const key = await store.apiKeys.create(user.userId, { expiresAt: new Date('2030-01-01T00:10:00.000Z') });
    const session = await login(app, { ...user, keyId: key.keyId, secret: key.secret });
    const res = await postJson(app, '/v1/customer-sessions', { customer, ttlSeconds: 3600 }, session);
    const body = (await res.json()) as { token: string; expiresAt: string };
    expect(body.expiresAt).toBe('2030-01-01T00:10:00.000Z');
    clock = new Date('2030-01-01T00:10:00.001Z');
    expect(await store.customerSessions.resolve(body.token)).toBeNull();
  });

  it('ends when the API session that made it logs out; others keep working', async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const first = await login(app, user);
    const second = await login(app, user);
    const create = async (session: string) =>
      (
        (await (await postJson(app, '/v1/customer-sessions', { customer }, session)).json()) as {
          token: string;
        }
      ).token;
    const fromFirst = await create(first);
    const fromSecond = await create(second);
    expect((await postJson(app, '/auth/logout', {}, first)).status).toBe(204);
    expect(await store.customerSessions.resolve(fromFirst)).toBeNull();
    expect(await store.customerSessions.resolve(fromSecond)).not.toBeNull();
    const me = await app.request('/v1/me', { headers: { authorization: `Bearer ${fromFirst}` } });
    expect(me.status).toBe(401);
  });

  it('refuses an OkePay contact id the provider cannot take, at creation', async () => {
    const store = await open();
    const app = testApp(store);
    const session = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] }),
    );
    for (const okepayContactId of [2 ** 31, 2 ** 53 - 1, 0, -1, 1.5]) {
      const res = await postJson(
        app,
        '/v1/customer-sessions',
        { customer: { ...customer, okepayContactId } },
        session,
      );
      expect(res.status, String(okepayContactId)).toBe(400);
    }
    const largest = { customer: { ...customer, okepayContactId: 2 ** 31 - 1 } };
    expect((await postJson(app, '/v1/customer-sessions', largest, session)).status).toBe(201);
  });
});
