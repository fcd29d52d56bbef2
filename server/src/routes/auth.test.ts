import { describe, expect, it } from 'vitest';
import { login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { API_KEY_PREFIX, newToken } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/index.ts';
import { forEachStore } from '../store/test-stores.ts';
import { ApiKeyLoginResponseSchema, LOGIN_FAILURE_LIMITS } from './auth.ts';

forEachStore('POST /auth/login', ({ open }) => {
  it('answers with exactly the documented fields and a session token', async () => {
    const store = await open();
    await store.accounts.create({
      id: 'acme',
      name: 'Acme',
      accountName: 'Acme Inc.',
      repcode: 'R1',
      customerServiceEmail: 'help@acme.test',
      whitelabelSettings: { color: '#123456' },
    });
    const user = await seedApiUser(store, {
      email: 'svc@acme.test',
      accountId: 'acme',
      roles: ['integration'],
    });
    await store.users.addMembership(user.userId, 'default', ['auditor']);
    const app = testApp(store);

    const res = await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(ApiKeyLoginResponseSchema.strict().parse(body)).toBeTruthy();
    expect(Object.keys(body).sort()).toEqual(
      [
        'id',
        'email',
        'createdBy',
        'updatedBy',
        'createdAt',
        'updatedAt',
        'primaryAccount',
        'accounts',
        'flatRolesList',
        'flatPermissionsList',
        'token',
      ].sort(),
    );
    expect(body).toMatchObject({
      id: user.userId,
      email: 'svc@acme.test',
      createdBy: 'test',
      primaryAccount: {
        accountName: 'Acme Inc.',
        accountId: 'acme',
        id: 'acme',
        name: 'Acme',
        usersPrimaryAccount: true,
        accountAdmin: false,
        repcode: 'R1',
        customerServiceEmail: 'help@acme.test',
        whitelabelSettings: { color: '#123456' },
        roles: ['integration'],
        permissions: ['customer-sessions:create', 'customer-sessions:revoke'],
      },
      flatRolesList: ['auditor', 'integration'],
      flatPermissionsList: ['audit:read', 'customer-sessions:create', 'customer-sessions:revoke'],
    });
    expect(body.accounts).toHaveLength(2);
    expect((body.accounts as { id: string; usersPrimaryAccount: boolean }[])[1]).toMatchObject({
      id: 'default',
      accountName: 'Default',
      usersPrimaryAccount: false,
    });
    expect(body.token).toMatch(/^hs_/);
    expect(new Date(body.createdAt as string).toISOString()).toBe(body.createdAt);
    expect(await store.sessions.resolve(body.token as string)).toMatchObject({ userId: user.userId });
    expect(JSON.stringify(body)).not.toContain(user.secret);

    const audit = await store.audit.list({ accountIds: ['acme'], limit: 10 });
    expect(audit[0]).toMatchObject({ action: 'auth.login', outcome: 'success', userId: user.userId });
    expect(JSON.stringify(audit)).not.toContain(user.secret);
  });

  it('gives the same 401 for an unknown key, a wrong secret, a revoked and an expired key', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, { now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const expiring = await store.apiKeys.create(user.userId, { expiresAt: new Date('2030-01-01T01:00:00Z') });
    const revoked = await store.apiKeys.create(user.userId);
    await store.apiKeys.revoke(revoked.keyId);

    const attempts = [
      { apiKey: 'hk_unknown', apiSecret: user.secret },
      { apiKey: user.keyId, apiSecret: 'wrong' },
      { apiKey: revoked.keyId, apiSecret: revoked.secret },
    ];
    const bodies = [];
    for (const attempt of attempts) {
      const res = await postJson(app, '/auth/login', attempt);
      expect(res.status).toBe(401);
      bodies.push(await res.text());
    }
    expect(
      (await postJson(app, '/auth/login', { apiKey: expiring.keyId, apiSecret: expiring.secret })).status,
    ).toBe(200);
    clock = new Date('2030-01-01T01:00:00Z');
    const expired = await postJson(app, '/auth/login', {
      apiKey: expiring.keyId,
      apiSecret: expiring.secret,
    });
    expect(expired.status).toBe(401);
    bodies.push(await expired.text());
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toEqual({
      error: { code: 'unauthorized', message: 'Invalid API key or secret.' },
    });

    const failures = await store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('outcome', '=', 'failure')
      .execute();
    expect(failures).toHaveLength(4);
    expect(JSON.stringify(failures)).not.toContain(user.secret);
    expect(JSON.stringify(failures)).not.toContain(revoked.secret);
  });

  it('answers a key id of the wrong shape like a wrong key, and counts it; refuses a NUL at the edge', async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const wrongSecret = await (
      await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: 'x' })
    ).text();
    // Text PostgreSQL would refuse is refused before anything is looked up or counted.
    for (const apiKey of ['hk_\u0000abc', user.keyId.replace(/.$/, '\u0000'), `${user.keyId}\ud800`]) {
      const res = await postJson(app, '/auth/login', { apiKey, apiSecret: user.secret });
      expect(res.status, JSON.stringify(apiKey)).toBe(400);
    }
    const malformed = [
      'hk_abc',
      `hk_${'y'.repeat(42)}!`,
      `${user.keyId}x`,
      user.keyId.slice(3),
      `hk_${'x'.repeat(42)}=`,
    ];
    for (const apiKey of malformed) {
      const res = await postJson(app, '/auth/login', { apiKey, apiSecret: user.secret });
      expect(res.status, JSON.stringify(apiKey)).toBe(401);
      expect(await res.text()).toBe(wrongSecret);
    }
    const limited = await postJson(app, '/auth/login', { apiKey: 'hk_', apiSecret: 'x' });
    expect(limited.status).toBe(429);
    expect((await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret })).status).toBe(
      200,
    );
    const failures = await store.db
      .selectFrom('audit_log')
      .select('detail')
      .where('outcome', '=', 'failure')
      .execute();
    expect(failures.map((f) => f.detail)).toEqual([
      ...Array<string>(1 + malformed.length).fill('invalid_credentials'),
      'rate_limited',
    ]);
  });

  it('refuses malformed bodies with 400', async () => {
    const store = await open();
    const app = testApp(store);
    for (const body of [
      {},
      { apiKey: 'hk_x' },
      { apiKey: 1, apiSecret: 'x' },
      { apiKey: 'hk_x', apiSecret: 'x', extra: true },
      { apiKey: 'hk_x', apiSecret: 'x'.repeat(201) },
      { apiKey: '', apiSecret: 'x' },
    ]) {
      const res = await postJson(app, '/auth/login', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
    const notJson = await app.request('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"apiKey":',
    });
    expect(notJson.status).toBe(400);
  });

  it('rate-limits failures per key with 429 and Retry-After, then lets the key in after the window', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, { now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      expect((await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: 'wrong' })).status).toBe(
        401,
      );
    }
    const limited = await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(LOGIN_FAILURE_LIMITS.windowMs / 1000);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

    clock = new Date(clock.getTime() + LOGIN_FAILURE_LIMITS.windowMs);
    expect((await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret })).status).toBe(
      200,
    );
  });

  it('refuses parallel wrong guesses like sequential ones, but never parallel right ones', async () => {
    const store = await open();
    const app = testApp(store, {
      config: loadConfig({ HANDOFF_TRUST_PROXY: 'true', HANDOFF_LOG_LEVEL: 'silent' }),
    });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const statuses = async (attempts: Array<{ apiKey: string; apiSecret: string }>, ip: string) => {
      const all = await Promise.all(
        attempts.map((a) => postJson(app, '/auth/login', a, undefined, { 'x-forwarded-for': ip })),
      );
      const counts: Record<number, number> = {};
      for (const res of all) counts[res.status] = (counts[res.status] ?? 0) + 1;
      return counts;
    };

    const right = Array.from({ length: 12 }, () => ({ apiKey: user.keyId, apiSecret: user.secret }));
    expect(await statuses(right, '203.0.113.1')).toEqual({ 200: 12 });

    const wrongSecret = Array.from({ length: 30 }, () => ({ apiKey: user.keyId, apiSecret: 'wrong' }));
    expect(await statuses(wrongSecret, '203.0.113.2')).toEqual({
      401: LOGIN_FAILURE_LIMITS.perKey,
      429: 30 - LOGIN_FAILURE_LIMITS.perKey,
    });

    const wrongKeys = Array.from({ length: 30 }, () => ({
      apiKey: newToken(API_KEY_PREFIX),
      apiSecret: 'x',
    }));
    expect(await statuses(wrongKeys, '203.0.113.3')).toEqual({
      401: LOGIN_FAILURE_LIMITS.perIp,
      429: 30 - LOGIN_FAILURE_LIMITS.perIp,
    });
  });

  it('does not count an attempt the store could not decide', async () => {
    const store = await open();
    let down = true;
    const flaky = {
      ...store,
      apiKeys: {
        ...store.apiKeys,
        verify: (keyId: string, secret: string) =>
          down ? Promise.reject(new Error('database unavailable')) : store.apiKeys.verify(keyId, secret),
      },
    };
    const app = testApp(flaky);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey + 1; i++) {
      expect(
        (await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret })).status,
      ).toBe(500);
    }
    down = false;
    expect((await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret })).status).toBe(
      200,
    );
  });

  it('rate-limits failures per client IP across keys', async () => {
    const store = await open();
    const app = testApp(store, {
      config: loadConfig({ HANDOFF_TRUST_PROXY: 'true', HANDOFF_LOG_LEVEL: 'silent' }),
    });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perIp; i++) {
      const res = await postJson(
        app,
        '/auth/login',
        { apiKey: newToken(API_KEY_PREFIX), apiSecret: 'x' },
        undefined,
        from('203.0.113.9'),
      );
      expect(res.status).toBe(401);
    }
    const blocked = await postJson(
      app,
      '/auth/login',
      { apiKey: user.keyId, apiSecret: user.secret },
      undefined,
      from('203.0.113.9'),
    );
    expect(blocked.status).toBe(429);
    const elsewhere = await postJson(
      app,
      '/auth/login',
      { apiKey: user.keyId, apiSecret: user.secret },
      undefined,
      from('203.0.113.10'),
    );
    expect(elsewhere.status).toBe(200);
  });
});

forEachStore('login rate limits without a client address', ({ open }) => {
  it('keeps per-key limits but shares no bucket between callers of unknown address', async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perIp + 1; i++) {
      expect(
        (await postJson(app, '/auth/login', { apiKey: newToken(API_KEY_PREFIX), apiSecret: 'x' })).status,
      ).toBe(401);
    }
    expect((await postJson(app, '/auth/login', { apiKey: user.keyId, apiSecret: user.secret })).status).toBe(
      200,
    );
  });
});

forEachStore('POST /auth/logout', ({ open }) => {
  it('revokes the session token; it no longer works', async () => {
    const store = await open();
    const app = testApp(store);
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['admin'] });
    const token = await login(app, user);
    const res = await postJson(app, '/auth/logout', {}, token);
    expect(res.status).toBe(204);
    expect(await store.sessions.resolve(token)).toBeNull();
    expect((await postJson(app, '/auth/logout', {}, token)).status).toBe(401);
    const audit = await store.audit.list({ accountIds: ['default'], limit: 1 });
    expect(audit[0]).toMatchObject({ action: 'auth.logout', userId: user.userId });
  });

  it('refuses without a token or with a customer token', async () => {
    const store = await open();
    const app = testApp(store);
    expect((await app.request('/auth/logout', { method: 'POST' })).status).toBe(401);
    const customer = await store.customerSessions.create({
      accountId: 'default',
      customer: { id: 'c1' },
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await postJson(app, '/auth/logout', {}, customer.token)).status).toBe(401);
  });
});

describe('OpenAPI document', () => {
  it('describes the login schemas as documented', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    try {
      const doc = (await (await testApp(store).request('/openapi.json')).json()) as {
        components: {
          schemas: Record<
            string,
            { required?: string[]; properties: Record<string, { type?: string; format?: string }> }
          >;
        };
        paths: Record<string, unknown>;
      };
      const { ApiKeyLogin, ApiKeyLoginResponse, Account } = doc.components.schemas;
      expect(ApiKeyLogin?.required).toEqual(['apiKey', 'apiSecret']);
      expect(ApiKeyLoginResponse?.required?.sort()).toEqual(['email', 'id', 'token']);
      expect(ApiKeyLoginResponse?.properties.id?.type).toBe('integer');
      expect(ApiKeyLoginResponse?.properties.createdAt?.format).toBe('date-time');
      expect(Account?.required?.sort()).toEqual(['accountId', 'accountName', 'id', 'name']);
      expect(Object.keys(Account?.properties ?? {}).sort()).toEqual(
        [
          'accountName',
          'accountId',
          'usersPrimaryAccount',
          'accountAdmin',
          'id',
          'uniqueId',
          'name',
          'repcode',
          'customerServicePhone',
          'customerServiceEmail',
          'whitelabelSettings',
          'permissions',
          'roles',
        ].sort(),
      );
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/auth/login',
          '/auth/logout',
          '/v1/customer-sessions',
          '/v1/me',
          '/v1/audit',
        ]),
      );
    } finally {
      await store.close();
    }
  });
});

forEachStore('API session lifetime', ({ open }) => {
  it('a session token stops working after sessionTtlSeconds', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const config = loadConfig({ HANDOFF_SESSION_TTL: '600', HANDOFF_LOG_LEVEL: 'silent' });
    const app = testApp(store, { config, now: () => clock });
    const token = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] }),
    );
    const create = () => postJson(app, '/v1/customer-sessions', { customer: { id: 'c' } }, token);
    expect((await create()).status).toBe(201);
    clock = new Date('2030-01-01T00:09:59.000Z');
    expect((await create()).status).toBe(201);
    clock = new Date('2030-01-01T00:10:00.000Z');
    expect((await create()).status).toBe(401);
  });

  it('a session token stops working when its API key expires, before sessionTtlSeconds', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const config = loadConfig({ HANDOFF_SESSION_TTL: '86400', HANDOFF_LOG_LEVEL: 'silent' });
    const app = testApp(store, { config, now: () => clock });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    const key = await store.apiKeys.create(user.userId, { expiresAt: new Date('2030-01-01T01:00:00.000Z') });
    const token = await login(app, { ...user, keyId: key.keyId, secret: key.secret });
    expect((await store.sessions.resolve(token))?.expiresAt).toBe('2030-01-01T01:00:00.000Z');
    const create = () => postJson(app, '/v1/customer-sessions', { customer: { id: 'c' } }, token);
    clock = new Date('2030-01-01T00:59:59.000Z');
    expect((await create()).status).toBe(201);
    clock = new Date('2030-01-01T01:00:00.000Z');
    expect((await create()).status).toBe(401);

    // A key that expires after the session lifetime leaves it as it is.
    clock = new Date('2030-01-01T00:00:00.000Z');
    const later = await store.apiKeys.create(user.userId, {
      expiresAt: new Date('2030-06-01T00:00:00.000Z'),
    });
    const long = await login(app, { ...user, keyId: later.keyId, secret: later.secret });
    expect((await store.sessions.resolve(long))?.expiresAt).toBe('2030-01-02T00:00:00.000Z');
  });
});
