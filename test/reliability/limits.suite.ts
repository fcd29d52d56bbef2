import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { sandboxEnv } from '@handoff/sandbox';
import { LOGIN_FAILURE_LIMITS } from '../../server/src/routes/auth.ts';
import { openStore, type SqlStore, type StoreOptions } from '../../server/src/store/index.ts';
import { testPostgresUrl } from '../../server/src/store/test-stores.ts';
import {
  Capture,
  isErrorBody,
  makeWorld,
  report,
  seedIntegration,
  startRecordingSandbox,
  tryJson,
  type RecordingSandbox,
} from './support.ts';

/**
 * Part 8, abuse limits and HTTP hygiene across instances: two backend processes over one database
 * (PostgreSQL, and SQLite with two processes on one file), one of them restarted in the middle.
 * Login limits and minting quotas hold across both and across the restart; a stranger's failures
 * never lock a key's owner out; every answer, also Node's own refusals, has the JSON error shape
 * and the security headers.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CUSTOMER_QUOTA = 6;
const capture = new Capture('limits', inject('captureDir'));
const figures = { requests: 0, serverErrors: 0, refusals: 0, crashes: 0, failures: 0 };
const children = new Set<ChildProcess>();
const world = makeWorld(4);
let sandbox: RecordingSandbox;

beforeAll(async () => {
  sandbox = await startRecordingSandbox({ okepay: world.okepay, twocheckout: world.twocheckout });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sandbox?.close();
  capture.flush();
  report('limits', figures);
});

interface Backend {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

async function startBackend(env: Record<string, string>): Promise<Backend> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOFF_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'reliability', 'backend-main.ts')], {
    cwd: ROOT,
    env: {
      ...clean,
      ...sandboxEnv(sandbox.sandbox),
      HANDOFF_LOG_LEVEL: 'warn',
      HANDOFF_TRUST_PROXY: 'true',
      HANDOFF_QUOTA_CUSTOMER_PER_MINUTE: String(CUSTOMER_QUOTA),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => children.delete(child));
  createInterface({ input: child.stderr! }).on('line', (line) => capture.logs.push(line));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('the backend did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = /^\{"url":"([^"]+)"\}$/.exec(line);
      if (parsed) {
        clearTimeout(timer);
        resolveUrl(parsed[1]!);
      }
    });
    void exited.then(() => reject(new Error(`the backend exited before listening (${child.exitCode})`)));
  });
  return { url, child, exited };
}

/** One request, counted: every answer must be JSON with the error shape unless it succeeded. */
async function call(
  base: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown; from?: string } = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.from) headers['x-forwarded-for'] = init.from;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  capture.record(res.status, path, Object.fromEntries(res.headers), text);
  const json = tryJson(text);
  figures.requests++;
  if (res.status >= 500) figures.serverErrors++;
  if (res.status >= 400 && res.status < 500) figures.refusals++;
  if (res.status >= 400 && !isErrorBody(json)) figures.failures++;
  const body = json as { token?: string; url?: string } | undefined;
  capture.token(body?.token);
  capture.token(body?.url);
  return { status: res.status, json, headers: res.headers };
}

interface Engine {
  name: string;
  storeOptions: StoreOptions;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

async function engines(): Promise<Engine[]> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-limits-'));
  const path = join(dir, 'handoff.db');
  const list: Engine[] = [
    {
      name: 'sqlite',
      storeOptions: { kind: 'sqlite', path },
      env: { HANDOFF_DB: path },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
  ];
  const url = await testPostgresUrl();
  if (url) {
    const schema = `handoff_limits_${randomBytes(6).toString('hex')}`;
    list.push({
      name: 'postgres',
      storeOptions: { kind: 'postgres', url, schema },
      env: { DATABASE_URL: url, HANDOFF_TEST_PG_SCHEMA: schema },
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      },
    });
  } else {
    report('limits postgres', { skipped: 'no PostgreSQL server answers' });
  }
  return list;
}

const list = await engines();

describe.each(list)('two instances on $name', { timeout: 180_000 }, (engine) => {
  let store: SqlStore;
  let backends: Backend[];
  let owner: { apiKey: string; apiSecret: string };

  beforeAll(async () => {
    store = await openStore(engine.storeOptions);
    owner = await seedIntegration(store, 'owner@example.com', ['integration']);
    backends = [await startBackend(engine.env), await startBackend(engine.env)];
  });

  afterAll(async () => {
    for (const b of backends ?? []) {
      b.child.kill('SIGTERM');
      await b.exited;
    }
    await store?.close();
    await engine.cleanup();
  });

  const login = (b: Backend, from: string, secret: string) =>
    call(b.url, '/auth/login', { from, body: { apiKey: owner.apiKey, apiSecret: secret } });

  it('share the login limits, keep them over a restart, and never lock the owner out', async () => {
    const [a, b] = backends as [Backend, Backend];
    // A stranger's failures from one source, alternating between the instances.
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      expect((await login(i % 2 ? b : a, '198.51.100.1', 'wrong')).status).toBe(401);
    }
    for (const backend of [a, b]) {
      const refused = await login(backend, '198.51.100.1', owner.apiSecret);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // B is killed and started again: the count is in the database, not in its memory.
    b.child.kill('SIGKILL');
    await b.exited;
    if (b.child.signalCode !== 'SIGKILL') figures.crashes++;
    const restarted = await startBackend(engine.env);
    backends[1] = restarted;
    expect((await login(restarted, '198.51.100.1', owner.apiSecret)).status).toBe(429);
    // Strangers at many sources, and a whole IPv6 /64, spend their own budgets only.
    for (let source = 2; source <= 8; source++) {
      for (let i = 0; i <= LOGIN_FAILURE_LIMITS.perKey; i++) {
        await login(i % 2 ? restarted : a, `198.51.100.${source}`, 'wrong');
      }
    }
    for (let i = 0; i <= LOGIN_FAILURE_LIMITS.perKey; i++) await login(a, `2001:db8:5:5::${i + 1}`, 'wrong');
    expect((await login(restarted, '2001:db8:5:5:ffff::9', owner.apiSecret)).status).toBe(429);
    expect((await login(a, '203.0.113.200', owner.apiSecret)).status).toBe(200);
    expect((await login(restarted, '2001:db8:5:6::1', owner.apiSecret)).status).toBe(200);
  });

  it('share the minting quota of a customer token', async () => {
    const [a, b] = backends as [Backend, Backend];
    const [stolen, other] = await Promise.all(
      world.customers.slice(0, 2).map((customer) =>
        store.customerSessions.create({
          accountId: 'default',
          customer,
          expiresAt: new Date(Date.now() + 3600_000),
        }),
      ),
    );
    capture.token(stolen!.token);
    capture.token(other!.token);
    const statuses: number[] = [];
    for (let i = 0; i < CUSTOMER_QUOTA + 3; i++) {
      statuses.push(
        (await call((i % 2 ? b : a).url, '/v1/okepay/login-link', { token: stolen!.token })).status,
      );
    }
    expect(statuses).toEqual([...Array<number>(CUSTOMER_QUOTA).fill(200), ...Array<number>(3).fill(429)]);
    expect((await call(b.url, '/v1/okepay/login-link', { token: other!.token })).status).toBe(200);
  });

  it('answer as documented: optional bodies, provider-sized ids, storable text, hygiene headers', async () => {
    const [a, b] = backends as [Backend, Backend];
    const loggedIn = await login(a, '203.0.113.201', owner.apiSecret);
    const session = (loggedIn.json as { token: string }).token;
    capture.token(session);
    const tooLarge = await call(b.url, '/v1/customer-sessions', {
      token: session,
      body: { customer: { id: 'big', okepayContactId: 2 ** 31 } },
    });
    expect(tooLarge.status).toBe(400);
    const withNul = await call(b.url, '/v1/customer-sessions', {
      token: session,
      body: { customer: { id: 'x', email: 'a@example.com' }, accountId: 'default\u0000' },
    });
    expect(withNul.status).toBe(400);
    const made = await call(b.url, '/v1/customer-sessions', {
      token: session,
      body: { customer: { id: 'c' } },
    });
    expect(made.status).toBe(201);
    const customerToken = (made.json as { token: string }).token;
    for (const res of [made, tooLarge, await call(a.url, '/nowhere', { method: 'GET' })]) {
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // Logout with no body and no Content-Type ends the session and what it made, on both instances.
    expect(await bare(b.url, '/auth/logout', session)).toMatch(/^HTTP\/1\.1 204 /);
    expect((await call(a.url, '/v1/me', { method: 'GET', token: customerToken })).status).toBe(401);
    expect((await call(a.url, '/v1/audit', { method: 'GET', token: session })).status).toBe(401);
    // Node's own refusals answer with the JSON error shape.
    const huge = await bare(a.url, '/healthz', undefined, `X-Big: ${'a'.repeat(20_000)}\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('"headers_too_large"');
    const long = await bare(a.url, `/v1/audit?x=${'a'.repeat(5000)}`, undefined, '', 'GET');
    expect(long).toMatch(/^HTTP\/1\.1 414 /);
    figures.requests += 3;
    figures.refusals += 2;
  });
});

/** A raw HTTP/1.1 request with no body and no Content-Type. */
function bare(
  base: string,
  path: string,
  token?: string,
  extraHeaders = '',
  method = 'POST',
): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((done, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\n${auth}${extraHeaders}Connection: close\r\n\r\n`,
      );
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => done(answer));
    socket.on('error', reject);
  });
}
