import { describe, expect, it } from 'vitest';
import { openToken, sealToken, requestFingerprint } from '../auth/idempotency.ts';
import { login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/index.ts';
import { forEachStore } from '../store/test-stores.ts';

const customer = { id: 'cust-1', email: 'jane@example.com', okepayContactId: 4711 };
type Session = { token: string; expiresAt: string };

forEachStore('POST /v1/customer-sessions with Idempotency-Key', ({ open, openPair }) => {
  async function setUp(now = { at: new Date('2030-01-01T00:00:00.000Z') }) {
    const store = await open({ now: () => now.at });
    const app = testApp(store, { now: () => now.at });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    return { store, app, user, now, token: await login(app, user) };
  }

  it('answers a retry with the same key and body with the same session, for 24 hours', async () => {
    const { store, app, user, now, token } = await setUp();
    const key = { 'idempotency-key': 'order-7f3c2e' };
    const first = await postJson(app, '/v1/customer-sessions', { customer }, token, key);
    expect(first.status).toBe(201);
    const session = (await first.json()) as Session;

    now.at = new Date('2030-01-01T00:10:00.000Z');
    // The same body with its keys in another order is the same request.
    const again = await postJson(app, '/v1/customer-sessions', { customer: { ...customer } }, token, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(session);
    const [entry] = await store.audit.list({ accountIds: ['default'], limit: 1 });
    expect(entry).toMatchObject({ action: 'customer_session.replay' });
    expect(JSON.stringify(await store.audit.list({ accountIds: ['default'], limit: 10 }))).not.toContain(
      session.token,
    );

    // A day later the key is forgotten: a new session (through a new API session, the old one expired).
    now.at = new Date('2030-01-02T00:00:01.000Z');
    const later = await postJson(app, '/v1/customer-sessions', { customer }, await login(app, user), key);
    expect(later.status).toBe(201);
    expect(((await later.json()) as Session).token).not.toBe(session.token);
  });

  it('refuses the same key with another body with 422, and creates nothing', async () => {
    const { app, token } = await setUp();
    const key = { 'idempotency-key': 'k-1' };
    expect((await postJson(app, '/v1/customer-sessions', { customer }, token, key)).status).toBe(201);
    const other = await postJson(
      app,
      '/v1/customer-sessions',
      { customer: { ...customer, id: 'cust-2' } },
      token,
      key,
    );
    expect(other.status).toBe(422);
    expect(await other.json()).toEqual({
      error: { code: 'idempotency_key_reused', message: expect.stringContaining('different request body') },
    });
    const ttl = await postJson(app, '/v1/customer-sessions', { customer, ttlSeconds: 120 }, token, key);
    expect(ttl.status).toBe(422);
  });

  it('without a key, every request is a new session', async () => {
    const { app, token } = await setUp();
    const a = (await (await postJson(app, '/v1/customer-sessions', { customer }, token)).json()) as Session;
    const b = (await (await postJson(app, '/v1/customer-sessions', { customer }, token)).json()) as Session;
    expect(a.token).not.toBe(b.token);
  });

  it('refuses malformed keys with 400', async () => {
    const { app, token } = await setUp();
    for (const key of ['x'.repeat(256), 'tab\there', 'é-not-ascii']) {
      const res = await postJson(app, '/v1/customer-sessions', { customer }, token, {
        'idempotency-key': key,
      });
      expect(res.status, key).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
  });

  it('keeps keys apart per API user', async () => {
    const { store, app, token } = await setUp();
    const other = await seedApiUser(store, { email: 'other@example.com', roles: ['integration'] });
    const otherToken = await login(app, other);
    const key = { 'idempotency-key': 'shared-key' };
    const mine = (await (
      await postJson(app, '/v1/customer-sessions', { customer }, token, key)
    ).json()) as Session;
    const res = await postJson(app, '/v1/customer-sessions', { customer }, otherToken, key);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Session).token).not.toBe(mine.token);
  });

  it('stores the token only sealed under the key', async () => {
    const { store, app, token } = await setUp();
    const key = 'c1b8b8f4-1f55-4c9a-bb0a-3f2f3b1d5e77';
    const res = await postJson(app, '/v1/customer-sessions', { customer }, token, { 'idempotency-key': key });
    const session = (await res.json()) as Session;
    const rows = await store.db.selectFrom('idempotency_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(session.token);
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it("needs the server's HANDOFF_ENCRYPTION_KEY, not only the key, to open a kept token; holds across a rotation", async () => {
    const { store, token: apiToken } = await setUp();
    const serverKey = 'a'.repeat(64);
    const nextKey = 'b'.repeat(64);
    const now = () => new Date('2030-01-01T00:00:00.000Z');
    const config = (env: Record<string, string>) => loadConfig({ HANDOFF_LOG_LEVEL: 'silent', ...env });
    const app = testApp(store, { now, config: config({ HANDOFF_ENCRYPTION_KEY: serverKey }) });
    const key = { 'idempotency-key': 'order-1' };
    const first = await postJson(app, '/v1/customer-sessions', { customer }, apiToken, key);
    expect(first.status).toBe(201);
    const session = (await first.json()) as Session;
    const [row] = await store.db.selectFrom('idempotency_keys').selectAll().execute();
    // Database read access and a guessed key are not enough.
    expect(openToken(row!.sealed_token!, 'order-1', String(row!.user_id))).toBeNull();

    const rotated = testApp(store, {
      now,
      config: config({ HANDOFF_ENCRYPTION_KEY: nextKey, HANDOFF_ENCRYPTION_KEY_PREVIOUS: serverKey }),
    });
    const again = await postJson(rotated, '/v1/customer-sessions', { customer }, apiToken, key);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(session);

    // Without the key that sealed it the kept answer cannot be given: a clear 409, never a 5xx.
    const lost = testApp(store, { now, config: config({ HANDOFF_ENCRYPTION_KEY: nextKey }) });
    const refused = await postJson(lost, '/v1/customer-sessions', { customer }, apiToken, key);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'idempotency_key_unusable' } });
  });

  it('never replays an answer made for another account, when the account comes from the primary membership', async () => {
    const { store, app, user, token } = await setUp();
    await store.accounts.create({ id: 'other', name: 'Other' });
    await store.users.addMembership(user.userId, 'other', ['integration'], { primary: false });
    const key = { 'idempotency-key': 'order-primary' };
    const first = await postJson(app, '/v1/customer-sessions', { customer }, token, key);
    expect(first.status).toBe(201);
    // The user leaves the default account; the other one becomes primary.
    await store.db
      .deleteFrom('membership_roles')
      .where('user_id', '=', user.userId)
      .where('account_id', '=', 'default')
      .execute();
    await store.db
      .deleteFrom('memberships')
      .where('user_id', '=', user.userId)
      .where('account_id', '=', 'default')
      .execute();
    await store.db
      .updateTable('memberships')
      .set({ is_primary: 1 })
      .where('user_id', '=', user.userId)
      .execute();
    const again = await postJson(app, '/v1/customer-sessions', { customer }, token, key);
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } });
  });

  it('holds across two instances, and concurrent requests make one session', async () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    const [storeA, storeB] = await openPair({ now: () => at });
    const appA = testApp(storeA, { now: () => at });
    const appB = testApp(storeB, { now: () => at });
    const user = await seedApiUser(storeA, { email: 'svc@example.com', roles: ['integration'] });
    const [tokenA, tokenB] = [await login(appA, user), await login(appB, user)];
    const key = { 'idempotency-key': 'concurrent' };

    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        postJson(i % 2 ? appB : appA, '/v1/customer-sessions', { customer }, i % 2 ? tokenB : tokenA, key),
      ),
    );
    const created = new Set<string>();
    for (const res of responses) {
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) created.add(((await res.json()) as Session).token);
      else {
        expect(res.headers.get('retry-after')).toBe('1');
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'idempotency_key_in_progress',
        );
      }
    }
    expect(created.size).toBe(1);
    const sessions = await storeA.db.selectFrom('customer_sessions').select('id').execute();
    expect(sessions).toHaveLength(1);

    // Afterwards, the other instance answers the same session.
    const replay = await postJson(appB, '/v1/customer-sessions', { customer }, tokenB, key);
    expect(replay.status).toBe(201);
    expect(created.has(((await replay.json()) as Session).token)).toBe(true);
  });

  it('purgeExpired drops records older than the window', async () => {
    const { store, app, now, token } = await setUp();
    await postJson(app, '/v1/customer-sessions', { customer }, token, { 'idempotency-key': 'old' });
    now.at = new Date('2030-01-03T00:00:00.000Z');
    await store.purgeExpired(new Date(now.at.getTime() - 86_400_000));
    expect(await store.db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the Idempotency-Key header and the 409 and 422 answers', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    try {
      const doc = (await (await testApp(store).request('/openapi.json')).json()) as {
        paths: Record<
          string,
          { post: { parameters?: Array<{ name: string; in: string }>; responses: object } }
        >;
      };
      const operation = doc.paths['/v1/customer-sessions']!.post;
      expect(operation.parameters).toContainEqual(
        expect.objectContaining({ name: 'idempotency-key', in: 'header' }),
      );
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    } finally {
      await store.close();
    }
  });
});

describe('sealing an idempotent answer', () => {
  it('opens only with the same key and scope', () => {
    const sealed = sealToken('hc_secret', 'key-1', '7');
    expect(openToken(sealed, 'key-1', '7')).toBe('hc_secret');
    expect(openToken(sealed, 'key-2', '7')).toBeNull();
    expect(openToken(sealed, 'key-1', '8')).toBeNull();
    expect(openToken('AAAA', 'key-1', '7')).toBeNull();
  });

  it('opens only with the server secret it was sealed with, when there is one', () => {
    const server = Buffer.alloc(32, 1);
    const sealed = sealToken('hc_secret', 'key-1', '7', server);
    expect(openToken(sealed, 'key-1', '7')).toBeNull();
    expect(openToken(sealed, 'key-1', '7', [Buffer.alloc(32, 2)])).toBeNull();
    expect(openToken(sealed, 'key-1', '7', [Buffer.alloc(32, 2), server])).toBe('hc_secret');
  });

  it('fingerprints bodies by content, not key order', () => {
    expect(requestFingerprint({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      requestFingerprint({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  });
});
