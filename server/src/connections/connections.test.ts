import { expect, it } from 'vitest';
import { OKEPAY_SECOND, PAYBIS_SECOND, TWOCHECKOUT_SECOND } from '@handoff/sandbox';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { okepayProvider } from '../providers/okepay/index.ts';
import { PROVIDERS } from '../providers/registry.ts';
import { createConnectionResolver } from './resolver.ts';
import { forEachStore } from '../store/test-stores.ts';
import type { SqlStore } from '../store/index.ts';
import { rotateKey, storedConnectionProblems } from './service.ts';
import { connectionsApp, newKey, request, sessionFor } from './test-support.ts';

const OKEPAY = { instance: 'second', secret: OKEPAY_SECOND.secret, apiBase: 'https://api.second.example' };
const TWOCHECKOUT = {
  merchantCode: TWOCHECKOUT_SECOND.merchantCode,
  secretKey: TWOCHECKOUT_SECOND.secretKey,
};
const PAYBIS = { apiKey: PAYBIS_SECOND.apiKey, privateKeyPem: PAYBIS_SECOND.privateKeyPem };
const SECRETS = [OKEPAY.secret, TWOCHECKOUT.secretKey, PAYBIS.apiKey, PAYBIS.privateKeyPem];

/** Every form a secret could take in a row or file: as is, base64, hex, and a distinctive slice. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const body = secret.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    body.slice(40, 80),
  ].filter((form) => form.length >= 8);
}

async function rawConnectionRows(store: SqlStore): Promise<string> {
  const rows = await store.db.selectFrom('provider_connections').selectAll().execute();
  return JSON.stringify(rows);
}

forEachStore('provider connections API', ({ open }) => {
  async function setUp(env: Record<string, string | undefined> = {}) {
    const store = await open();
    await store.accounts.create({ id: 'acme', name: 'Acme' });
    const key = newKey();
    const app = connectionsApp(store, { env: { HANDOFF_ENCRYPTION_KEY: key, ...env } });
    const admin = await sessionFor(app, store, {
      email: 'admin@acme.test',
      accountId: 'acme',
      roles: ['admin'],
    });
    return { store, app, key, admin: admin.token };
  }

  it('sets, reads (no secrets), replaces settings keeping secrets, and removes; every change audited', async () => {
    const { store, app, admin } = await setUp();
    const put = await request(app, 'PUT', '/v1/accounts/acme/connections/okepay', admin, OKEPAY);
    expect(put.status).toBe(200);
    const view = (await put.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      provider: 'okepay',
      accountId: 'acme',
      source: 'database',
      secrets: { secret: { set: true, fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) } },
      settings: { instance: 'second', apiBase: 'https://api.second.example' },
      version: 1,
    });
    expect(JSON.stringify(view)).not.toContain(OKEPAY.secret);

    // A settings change without the secret keeps it (same fingerprint).
    const again = await request(app, 'PUT', '/v1/accounts/acme/connections/okepay', admin, {
      instance: 'second',
      apiBase: 'https://api.other.example',
    });
    expect(again.status).toBe(200);
    const changed = (await again.json()) as { secrets: unknown; version: number; settings: unknown };
    expect(changed.secrets).toEqual(view.secrets);
    expect(changed).toMatchObject({ version: 2, settings: { apiBase: 'https://api.other.example' } });

    const got = await request(app, 'GET', '/v1/accounts/acme/connections/okepay', admin);
    expect(await got.json()).toMatchObject({ version: 2, secrets: view.secrets });
    const list = await request(app, 'GET', '/v1/accounts/acme/connections', admin);
    expect(((await list.json()) as { connections: unknown[] }).connections).toHaveLength(1);

    expect((await request(app, 'DELETE', '/v1/accounts/acme/connections/okepay', admin)).status).toBe(200);
    expect((await request(app, 'GET', '/v1/accounts/acme/connections/okepay', admin)).status).toBe(404);
    expect((await request(app, 'DELETE', '/v1/accounts/acme/connections/okepay', admin)).status).toBe(404);

    const entries = await store.audit.list({ accountIds: ['acme'], limit: 50 });
    const changes = entries.filter((e) => e.action.startsWith('connection.')).reverse();
    expect(changes.map((e) => [e.action, e.provider, e.detail])).toEqual([
      ['connection.set', 'okepay', 'fields: apiBase, instance, secret'],
      ['connection.set', 'okepay', 'fields: apiBase, instance'],
      ['connection.remove', 'okepay', 'removed'],
    ]);
    expect(changes.every((e) => e.userId !== null && e.accountId === 'acme')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(OKEPAY.secret);
  });

  it('keeps no secret in clear in the database', async () => {
    const { store, app, admin } = await setUp();
    for (const [provider, body] of [
      ['okepay', OKEPAY],
      ['2checkout', TWOCHECKOUT],
      ['paybis', PAYBIS],
    ] as const) {
      expect(
        (await request(app, 'PUT', `/v1/accounts/acme/connections/${provider}`, admin, body)).status,
      ).toBe(200);
    }
    const rows = await rawConnectionRows(store);
    expect(rows).toContain('v1.');
    for (const secret of SECRETS) for (const form of forms(secret)) expect(rows).not.toContain(form);
  });

  it('refuses bad shapes naming the field, a Paybis key that cannot sign, and unknown providers', async () => {
    const { app, admin } = await setUp();
    const cases: Array<[string, unknown, RegExp]> = [
      ['okepay', { ...OKEPAY, instance: 'no spaces' }, /^instance: /],
      ['okepay', { ...OKEPAY, apiBase: 'ftp://x' }, /^apiBase: /],
      ['okepay', { ...OKEPAY, extra: 1 }, /extra/],
      ['okepay', { instance: 'second' }, /^secret: /],
      ['2checkout', { ...TWOCHECKOUT, maxValidityTime: 1000 }, /^maxValidityTime: /],
      ['2checkout', { ...TWOCHECKOUT, bindIp: 'yes' }, /^bindIp: /],
      ['paybis', { ...PAYBIS, allowedReturnOrigins: ['http://shop.example'] }, /^allowedReturnOrigins\.0: /],
      ['paybis', { ...PAYBIS, successReturnURL: 'javascript:alert(1)' }, /^successReturnURL: /],
      ['paybis', { ...PAYBIS, privateKeyPem: 'not a key' }, /^privateKeyPem: /],
      [
        'paybis',
        { ...PAYBIS, privateKeyPem: PAYBIS_SECOND.publicKeyPem },
        /^privateKeyPem: not a readable PEM private key/,
      ],
    ];
    for (const [provider, body, message] of cases) {
      const res = await request(app, 'PUT', `/v1/accounts/acme/connections/${provider}`, admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(PAYBIS.apiKey);
    }
    const unknown = await request(app, 'PUT', '/v1/accounts/acme/connections/stripe', admin, {});
    expect(unknown.status).toBe(404);
    expect((await request(app, 'GET', '/v1/accounts/acme/connections/stripe', admin)).status).toBe(404);
  });

  it('refuses other roles, other accounts and unknown accounts alike', async () => {
    const { store, app, admin } = await setUp();
    await store.accounts.create({ id: 'rival', name: 'Rival' });
    const integration = await sessionFor(app, store, {
      email: 'shop@acme.test',
      accountId: 'acme',
      roles: ['integration', 'auditor'],
    });
    const rivalAdmin = await sessionFor(app, store, {
      email: 'admin@rival.test',
      accountId: 'rival',
      roles: ['admin'],
    });
    expect((await request(app, 'PUT', '/v1/accounts/acme/connections/okepay', admin, OKEPAY)).status).toBe(
      200,
    );

    for (const [token, path] of [
      [integration.token, '/v1/accounts/acme/connections/okepay'],
      [rivalAdmin.token, '/v1/accounts/acme/connections/okepay'],
      [rivalAdmin.token, '/v1/accounts/acme/connections'],
      [admin, '/v1/accounts/rival/connections/okepay'],
      [admin, '/v1/accounts/nowhere/connections/okepay'],
    ] as const) {
      for (const method of path.endsWith('/connections') ? ['GET'] : ['GET', 'PUT', 'DELETE']) {
        const res = await request(app, method, path, token, method === 'PUT' ? OKEPAY : undefined);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await request(app, 'GET', '/v1/accounts/acme/connections/okepay', admin)).status).toBe(200);
    const unauthenticated = await app.request('/v1/accounts/acme/connections/okepay');
    expect(unauthenticated.status).toBe(401);
  });

  it('keeps environment connections of the default account read-only (409 naming the variables)', async () => {
    const { store, app } = await setUp({
      HANDOFF_OKEPAY_INSTANCE: 'demo',
      HANDOFF_OKEPAY_SECRET: 'env-okepay-secret',
    });
    const root = await sessionFor(app, store, {
      email: 'root@default.test',
      accountId: 'default',
      roles: ['admin'],
    });
    const put = await request(app, 'PUT', '/v1/accounts/default/connections/okepay', root.token, OKEPAY);
    expect(put.status).toBe(409);
    expect(((await put.json()) as { error: { message: string } }).error.message).toMatch(
      /HANDOFF_OKEPAY_INSTANCE/,
    );
    const got = await request(app, 'GET', '/v1/accounts/default/connections/okepay', root.token);
    expect(await got.json()).toMatchObject({ source: 'environment', secrets: { secret: { set: true } } });
    expect(
      JSON.stringify(
        await (await request(app, 'GET', '/v1/accounts/default/connections', root.token)).json(),
      ),
    ).not.toContain('env-okepay-secret');
    // Providers the environment leaves out can be stored for the default account.
    expect(
      (await request(app, 'PUT', '/v1/accounts/default/connections/2checkout', root.token, TWOCHECKOUT))
        .status,
    ).toBe(200);
  });

  it('needs an encryption key to store a secret, and names it', async () => {
    const store = await open();
    const app = connectionsApp(store);
    const admin = await sessionFor(app, store, {
      email: 'a@default.test',
      accountId: 'default',
      roles: ['admin'],
    });
    const res = await request(app, 'PUT', '/v1/accounts/default/connections/okepay', admin.token, OKEPAY);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^HANDOFF_ENCRYPTION_KEY is not set/,
    );
  });

  it('rotates keys: old ciphertexts read with the previous key, then sealed again; a wrong key is a clear 503', async () => {
    const { store, app, key, admin } = await setUp();
    expect((await request(app, 'PUT', '/v1/accounts/acme/connections/okepay', admin, OKEPAY)).status).toBe(
      200,
    );
    const before = await rawConnectionRows(store);

    const next = newKey();
    const rotating = connectionsApp(store, {
      env: { HANDOFF_ENCRYPTION_KEY: next, HANDOFF_ENCRYPTION_KEY_PREVIOUS: key },
    });
    const admin2 = await sessionFor(rotating, store, {
      email: 'admin@acme.test',
      accountId: 'acme',
      roles: ['admin'],
    });
    // Readable during the rotation, through the previous key.
    expect(
      (await request(rotating, 'GET', '/v1/accounts/acme/connections/okepay', admin2.token)).status,
    ).toBe(200);

    const keyring = loadConfig({
      HANDOFF_ENCRYPTION_KEY: next,
      HANDOFF_ENCRYPTION_KEY_PREVIOUS: key,
    }).encryption;
    expect(await rotateKey({ store: store.connections, keyring })).toEqual({ rotated: 1, connections: 1 });
    const after = await rawConnectionRows(store);
    expect(after).not.toEqual(before);
    expect(after).toContain(`v1.${keyring.current!.id}.`);
    // Rotating again changes nothing.
    expect(await rotateKey({ store: store.connections, keyring })).toEqual({ rotated: 0, connections: 1 });
    expect(await rawConnectionRows(store)).toEqual(after);

    // The new key alone now reads everything; the old key alone reads nothing.
    const fresh = connectionsApp(store, { env: { HANDOFF_ENCRYPTION_KEY: next } });
    const admin3 = await sessionFor(fresh, store, {
      email: 'admin@acme.test',
      accountId: 'acme',
      roles: ['admin'],
    });
    expect((await request(fresh, 'GET', '/v1/accounts/acme/connections/okepay', admin3.token)).status).toBe(
      200,
    );

    const stale = connectionsApp(store, { env: { HANDOFF_ENCRYPTION_KEY: key } });
    const admin4 = await sessionFor(stale, store, {
      email: 'admin@acme.test',
      accountId: 'acme',
      roles: ['admin'],
    });
    const refused = await request(stale, 'GET', '/v1/accounts/acme/connections/okepay', admin4.token);
    expect(refused.status).toBe(503);
    const message = ((await refused.json()) as { error: { message: string } }).error.message;
    expect(message).toMatch(/HANDOFF_ENCRYPTION_KEY/);
    expect(message).toMatch(/HANDOFF_ENCRYPTION_KEY_PREVIOUS/);
  });

  it("registers a stored connection's secrets with the logger when it is first used", async () => {
    const { store, app, key, admin } = await setUp();
    expect((await request(app, 'PUT', '/v1/accounts/acme/connections/okepay', admin, OKEPAY)).status).toBe(
      200,
    );
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    const resolver = createConnectionResolver({
      store: store.connections,
      keyring: loadConfig({ HANDOFF_ENCRYPTION_KEY: key }).encryption,
      logger,
      clientOptions: { fetch, timeoutMs: 1000, now: () => new Date() },
      environment: {},
      providers: PROVIDERS,
    });
    const resolved = await resolver.resolve(okepayProvider, 'acme');
    expect(resolved.connection.secret).toBe(OKEPAY.secret);
    logger.error('provider said', { message: `bad secret ${OKEPAY.secret}` });
    expect(lines.join('\n')).not.toContain(OKEPAY.secret);
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('is described in the OpenAPI document', async () => {
    const { app } = await setUp();
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    const one = doc.paths['/v1/accounts/{accountId}/connections/{provider}'];
    expect(Object.keys(one ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(one?.put?.security).toEqual([{ sessionToken: [] }]);
    expect(doc.paths['/v1/accounts/{accountId}/connections']).toHaveProperty('get');
    expect(doc.components.schemas).toHaveProperty('Connection');
    expect(doc.components.schemas).toHaveProperty('ConnectionInput');
  });

  it('names the variable at start when stored connections cannot be read with the configured keys', async () => {
    const { store, app, key, admin } = await setUp();
    expect((await request(app, 'PUT', '/v1/accounts/acme/connections/paybis', admin, PAYBIS)).status).toBe(
      200,
    );
    const check = (env: Record<string, string>) =>
      storedConnectionProblems({ store: store.connections, keyring: loadConfig(env).encryption });
    expect(await check({ HANDOFF_ENCRYPTION_KEY: key })).toEqual([]);
    expect(await check({})).toEqual([
      expect.stringMatching(/^HANDOFF_ENCRYPTION_KEY is not set, but 1 provider/),
    ]);
    const [wrong] = await check({ HANDOFF_ENCRYPTION_KEY: newKey() });
    expect(wrong).toMatch(
      /acme\/paybis, but it is neither HANDOFF_ENCRYPTION_KEY nor in HANDOFF_ENCRYPTION_KEY_PREVIOUS/,
    );

    // A customer of that account gets a 503 naming the variable, not a crash or garbage.
    const lines: string[] = [];
    const wrongKeyApp = connectionsApp(store, {
      env: { HANDOFF_ENCRYPTION_KEY: newKey() },
      logger: createLogger({ write: (line) => lines.push(line) }),
    });
    const { token } = await store.customerSessions.create({
      accountId: 'acme',
      customer: { id: 'c1', paybis: true },
      expiresAt: new Date(Date.now() + 60_000),
    });
    for (let i = 0; i < 2; i++) {
      const res = await request(wrongKeyApp, 'POST', '/v1/paybis/session', token, {});
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('provider_not_configured');
      expect(body.error.message).toMatch(/HANDOFF_ENCRYPTION_KEY/);
      // The customer's browser learns which variable to check, not the account or key ids.
      expect(body.error.message).not.toMatch(/acme|key [0-9a-f]{8}/);
    }
    // Logged once, not once per request.
    expect(lines.filter((line) => line.includes('provider connection unusable'))).toHaveLength(1);
  });
});
