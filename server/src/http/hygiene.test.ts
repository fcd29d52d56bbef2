import { connect } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import { startServer, type RunningServer } from '../node.ts';
import { openStore, type SqlStore } from '../store/index.ts';
import { forEachStore, testPostgresUrl } from '../store/test-stores.ts';
import type { Store } from '../store/types.ts';
import { storageUnavailable } from '../store/unavailable.ts';

const CSP = "default-src 'none'; frame-ancestors 'none'";

function expectHygiene(headers: Headers) {
  expect(headers.get('content-security-policy')).toBe(CSP);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('cache-control')).toBe('no-store');
}

describe('HTTP hygiene over a socket', () => {
  let server: RunningServer | undefined;
  let store: SqlStore | undefined;
  afterEach(async () => {
    await server?.close();
    await store?.close();
  });

  function raw(request: string): Promise<string> {
    const { hostname, port } = new URL(server!.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('end', () => resolve(answer));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  const body = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

  it('answers oversized headers and URLs with the JSON error shape and the security headers', async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' });
    server = await startServer(
      { ...loadConfig({ HANDOFF_LOG_LEVEL: 'silent' }), port: 0 },
      { store, logger: silentLogger },
    );

    const hugeHeader = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(hugeHeader).toMatch(/^HTTP\/1\.1 431 /);
    expect(hugeHeader).toContain(`Content-Security-Policy: ${CSP}`);
    expect(body(hugeHeader)).toEqual({ error: { code: 'headers_too_large', message: expect.any(String) } });

    const hugeUrl = await raw(`GET /v1/audit?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(hugeUrl).toMatch(/^HTTP\/1\.1 431 /);
    expect(body(hugeUrl)).toMatchObject({ error: { code: 'headers_too_large' } });

    const longUrl = await raw(
      `GET /v1/audit?x=${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(longUrl).toMatch(/^HTTP\/1\.1 414 /);
    expect(body(longUrl)).toMatchObject({ error: { code: 'uri_too_long' } });

    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(body(garbage)).toMatchObject({ error: { code: 'bad_request' } });
  });
});

forEachStore('HTTP hygiene', ({ open }) => {
  it('puts the security headers and no-store on every answer, errors and the audit log included', async () => {
    const store = await open();
    const app = testApp(store);
    const session = await login(app, await seedApiUser(store, { email: 'a@example.com', roles: ['admin'] }));
    for (const res of [
      await app.request('/healthz'),
      await app.request('/openapi.json'),
      await app.request('/nowhere'),
      await app.request('/v1/audit'),
      await app.request('/v1/audit', { headers: { authorization: `Bearer ${session}` } }),
      await app.request('/v1/me', { headers: { authorization: 'Bearer hc_unknown' } }),
      await postJson(app, '/v1/customer-sessions', { customer: {} }, session),
    ]) {
      expectHygiene(res.headers);
    }
  });

  it('refuses NUL and lone surrogates in bodies, queries and paths with 400, before any look-up', async () => {
    const store = await open();
    const app = testApp(store);
    const session = await login(app, await seedApiUser(store, { email: 'a@example.com', roles: ['admin'] }));
    const refusals = [
      await postJson(app, '/auth/login', { apiKey: 'hk_x', apiSecret: 'a\u0000b' }),
      await postJson(app, '/auth/login', { apiKey: 'hk_x', apiSecret: '\udc00' }),
      await postJson(
        app,
        '/v1/customer-sessions',
        { customer: { id: 'c', email: 'a@b.c' }, accountId: 'x\u0000' },
        session,
      ),
      await postJson(app, '/v1/customer-sessions', { customer: { id: 'c', ['k\ud800']: 1 } }, session),
      await app.request('/v1/audit?accountId=%00', { headers: { authorization: `Bearer ${session}` } }),
      await app.request('/v1/%00'),
      await app.request('/v1/%E0%A4%A'),
      // DELETE takes a JSON body too; forms are read as the webhook routes read them.
      await app.request('/v1/accounts/default/connections/paybis', {
        method: 'DELETE',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'x\u0000' }),
      }),
      await app.request('/v1/webhooks/2checkout/wh_0123456789abcdef0123456789abcdef', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'EMAIL=a%00%40b.c',
      }),
    ];
    for (const [i, res] of refusals.entries()) {
      expect(res.status, String(i)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
    // A well-formed pair of surrogates (an emoji) is fine.
    const emoji = await postJson(app, '/v1/customer-sessions', { customer: { id: 'c-😀' } }, session);
    expect(emoji.status).toBe(201);
  });

  it('answers 503 with Retry-After when the database cannot be written, with nothing half-written', async () => {
    const store = await open();
    const app = testApp(store);
    const session = await login(app, await seedApiUser(store, { email: 'a@example.com', roles: ['admin'] }));
    const before = await store.db.selectFrom('customer_sessions').select('id').execute();
    const readOnly = await readOnlyStore(store);
    try {
      const res = await postJson(
        testApp(readOnly.store),
        '/v1/customer-sessions',
        { customer: { id: 'c' } },
        session,
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    } finally {
      await readOnly.close();
    }
    expect(await store.db.selectFrom('customer_sessions').select('id').execute()).toEqual(before);
  });
});

/**
 * The same database, no longer writable: SQLite's only connection switched to query-only, or a
 * one-connection PostgreSQL pool whose transactions are read-only (as on a standby).
 */
async function readOnlyStore(store: SqlStore): Promise<{ store: Store; close(): Promise<void> }> {
  if (store.dialect === 'sqlite') {
    await sql`pragma query_only = on`.execute(store.db);
    return { store, close: async () => void (await sql`pragma query_only = off`.execute(store.db)) };
  }
  const url = await testPostgresUrl();
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
  if (!url || !rows[0]) throw new Error('no PostgreSQL server');
  const other = await openStore({ kind: 'postgres', url, schema: rows[0].schema, maxConnections: 1 });
  await sql`set default_transaction_read_only = on`.execute(other.db);
  return { store: other, close: () => other.close() };
}

describe('storageUnavailable', () => {
  it('knows the engines’ retryable failures, and only those', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      'SQLITE_FULL',
      'SQLITE_READONLY',
      'SQLITE_IOERR_WRITE',
      'SQLITE_BUSY',
      'SQLITE_CANTOPEN',
      '53100',
      '57P01',
      '08006',
      '25006',
      'ECONNREFUSED',
    ]) {
      expect(storageUnavailable(coded(code)), code).toBe(true);
    }
    expect(storageUnavailable(new Error('x', { cause: coded('SQLITE_FULL') }))).toBe(true);
    expect(storageUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', '23505', '22021', 'SQLITE_ERROR']) {
      expect(storageUnavailable(coded(code)), code).toBe(false);
    }
    expect(storageUnavailable(new TypeError('bug'))).toBe(false);
  });
});

describe('storable text rule', () => {
  it('leaves a route the exact body bytes (a signed webhook needs them)', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    try {
      const app = testApp(store);
      app.post('/echo', async (c) => c.text(await c.req.text()));
      const raw = '{ "b": 1,  "a": "\\u00e9" }';
      const res = await app.request('/echo', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
      });
      expect(await res.text()).toBe(raw);
    } finally {
      await store.close();
    }
  });
});
