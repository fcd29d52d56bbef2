import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { sandboxEnv } from '@handoff/sandbox';
import { openStore, type SqlStore, type StoreOptions } from '../../server/src/store/index.ts';
import { testPostgresUrl } from '../../server/src/store/test-stores.ts';
import { hmacHex, signedString } from '../../server/src/webhooks/twocheckout.ts';
import {
  Capture,
  report,
  startRecordingSandbox,
  UNLIMITED_QUOTAS,
  type RecordingSandbox,
} from './support.ts';

/**
 * Part 5, crash safety: the backend is killed with SIGKILL while a burst of first-time Paybis
 * requests is in flight, then started again on the same database. Every auth key a caller's
 * session was created with must be stored, once, for that caller's customer, and be the key used
 * from then on. SQLite always; PostgreSQL (two instances sharing the burst) when a server answers.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CUSTOMERS = 100;
/** Concurrent first requests per customer. */
const PER_CUSTOMER = 2;
/** Requests in flight at any moment. */
const CONCURRENCY = 16;
/** Kill once this many callers have their answer; the requests then in flight are cut off. */
const KILL_AFTER = 30;

const capture = new Capture('crash', inject('captureDir'));
let sandbox: RecordingSandbox;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sandbox = await startRecordingSandbox();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  capture.flush();
  await sandbox?.close();
});

interface Backend {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts `backend-main.ts` in its own Node process; resolves once it listens. */
async function startBackend(env: Record<string, string>): Promise<Backend> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOFF_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'reliability', 'backend-main.ts')], {
    cwd: ROOT,
    env: {
      ...clean,
      ...sandboxEnv(sandbox.sandbox),
      HANDOFF_LOG_LEVEL: 'debug',
      HANDOFF_PROVIDER_TIMEOUT_MS: '10000',
      ...UNLIMITED_QUOTAS,
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

interface Engine {
  kind: 'sqlite' | 'postgres';
  storeOptions: StoreOptions;
  env: Record<string, string>;
  instances: number;
  cleanup(): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-crash-'));
  const path = join(dir, 'handoff.db');
  return {
    kind: 'sqlite',
    storeOptions: { kind: 'sqlite', path },
    env: { HANDOFF_DB: path },
    instances: 1,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresEngine(url: string): Promise<Engine> {
  const schema = `handoff_crash_${randomBytes(6).toString('hex')}`;
  return {
    kind: 'postgres',
    storeOptions: { kind: 'postgres', url, schema },
    env: { DATABASE_URL: url, HANDOFF_TEST_PG_SCHEMA: schema },
    instances: 2,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function storedKeys(store: SqlStore): Promise<{ customer_id: string; auth_key: string }[]> {
  return store.db.selectFrom('paybis_auth_keys').select(['customer_id', 'auth_key']).execute();
}

async function paybisSession(base: string, token: string): Promise<{ status: number; requestId?: string }> {
  const res = await fetch(`${base}/v1/paybis/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  capture.record(res.status, '/v1/paybis/session', Object.fromEntries(res.headers), text);
  const body = res.status === 200 ? (JSON.parse(text) as { requestId: string }) : undefined;
  return { status: res.status, ...(body ? { requestId: body.requestId } : {}) };
}

async function crashRun(engine: Engine): Promise<void> {
  // Customers and their tokens, written before any backend runs.
  const setupStore = await openStore(engine.storeOptions);
  if (!(await setupStore.accounts.get('default')))
    await setupStore.accounts.create({ id: 'default', name: 'default' });
  const tokens: string[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const { token } = await setupStore.customerSessions.create({
      accountId: 'default',
      customer: { id: `crash-${i}`, email: `crash-${i}@example.com`, paybis: true },
      expiresAt: new Date(Date.now() + 3600_000),
    });
    tokens.push(token);
    capture.token(token);
  }
  await setupStore.close();

  const backends = await Promise.all(
    Array.from({ length: engine.instances }, () => startBackend(engine.env)),
  );

  // The load: each customer's first requests back to back (so they race each other), spread
  // over the instances, CONCURRENCY at a time, until the kill.
  const answered: { customer: number; requestId: string }[] = [];
  let cutOff = 0;
  let killed = false;
  const killAll = () => {
    if (killed) return;
    killed = true;
    for (const b of backends) b.child.kill('SIGKILL');
  };
  const jobs = Array.from({ length: CUSTOMERS }, (_, i) => Array<number>(PER_CUSTOMER).fill(i)).flat();
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (!killed && next < jobs.length) {
      const n = next++;
      const customer = jobs[n]!;
      sent++;
      try {
        const result = await paybisSession(backends[n % backends.length]!.url, tokens[customer]!);
        if (result.status === 200 && result.requestId)
          answered.push({ customer, requestId: result.requestId });
      } catch {
        cutOff++; // the connection died with the process
      }
      if (answered.length >= KILL_AFTER) killAll();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  killAll();
  await Promise.all(backends.map((b) => b.exited));
  const signals = backends.map((b) => b.child.signalCode);

  // Restart on the same database; it must come up and serve.
  const restarted = await startBackend(engine.env);
  const store = await openStore(engine.storeOptions);
  try {
    const rows = await storedKeys(store);
    const byCustomer = new Map<string, string[]>();
    for (const row of rows)
      byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row.auth_key]);
    const keyOwners = new Map<string, string[]>();
    for (const row of rows)
      keyOwners.set(row.auth_key, [...(keyOwners.get(row.auth_key) ?? []), row.customer_id]);

    const problems: string[] = [];
    for (const { customer, requestId } of answered) {
      const id = `crash-${customer}`;
      const sent = sandbox.paybisRequests.get(requestId);
      capture.token(sent);
      const stored = byCustomer.get(id) ?? [];
      if (!sent) problems.push(`${id}: request ${requestId} unknown to the sandbox`);
      else if (stored.length !== 1 || stored[0] !== sent)
        problems.push(`${id}: caller's key ${sent} but stored ${JSON.stringify(stored)}`);
      else if ((keyOwners.get(sent) ?? []).length !== 1)
        problems.push(`${id}: key ${sent} stored for several customers`);
    }
    for (const [id, keys] of byCustomer)
      if (keys.length !== 1) problems.push(`${id}: ${keys.length} keys stored`);

    // After the restart each answered customer keeps their key.
    const again = [...new Set(answered.map((a) => a.customer))];
    for (const customer of again) {
      const result = await paybisSession(restarted.url, tokens[customer]!);
      const sent = result.requestId ? sandbox.paybisRequests.get(result.requestId) : undefined;
      const stored = byCustomer.get(`crash-${customer}`)?.[0];
      if (result.status !== 200 || sent !== stored)
        problems.push(
          `crash-${customer} after restart: ${result.status}, key ${String(sent)} vs stored ${String(stored)}`,
        );
    }

    report(`crash safety (${engine.kind}, ${engine.instances} instance${engine.instances > 1 ? 's' : ''})`, {
      sent,
      answeredBeforeKill: answered.length,
      cutOffByKill: cutOff,
      storedKeys: rows.length,
      checkedAfterRestart: again.length,
      failures: problems.length,
    });
    expect(signals.every((s) => s === 'SIGKILL')).toBe(true);
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // The kill landed while requests were in flight.
    expect(cutOff).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  } finally {
    await store.close();
    restarted.child.kill('SIGTERM');
    await restarted.exited;
    await engine.cleanup();
  }
}

describe('kill -9 during first-time Paybis requests', () => {
  it('SQLite: every auth key a caller got is stored once for that customer', async () => {
    await crashRun(await sqliteEngine());
  });

  it('PostgreSQL (two instances): every auth key a caller got is stored once for that customer', async (ctx) => {
    const url = await testPostgresUrl();
    if (!url) {
      report('crash safety (postgres)', { skipped: 'no PostgreSQL server at the test URL' });
      ctx.skip();
      return;
    }
    await crashRun(await postgresEngine(url));
  });
});

// ---- Webhook ingestion ----

const WEBHOOK_TOKEN = 'crash-webhook-token-0123456789abcdef';
/** Distinct 2Checkout notifications, each for its own subscription. */
const EVENTS = 200;

/** A signed LCN, as 2Checkout sends it. */
function notification(secretKey: string, i: number): string {
  const fields: Array<[string, string]> = [
    ['LICENSE_CODE', `SUB-CRASH-${i}`],
    ['EXPIRATION_DATE', '2027-01-31'],
    ['DATE_UPDATED', '2026-12-01 10:00:00'],
    ['DISABLED', '0'],
    ['EMAIL', `crash-${i}@example.com`],
  ];
  return new URLSearchParams([
    ...fields,
    ['HASH', hmacHex('md5', secretKey, signedString(fields))],
  ]).toString();
}

/** Posts one notification; true when the backend answered with a read receipt (2Checkout stops). */
async function deliver(base: string, body: string): Promise<boolean> {
  const res = await fetch(`${base}/v1/webhooks/2checkout/${WEBHOOK_TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return res.status === 200 && /^<EPAYMENT>\d{14}\|[0-9a-f]{32}<\/EPAYMENT>$/.test(text);
}

async function webhookCrashRun(engine: Engine): Promise<void> {
  const env = { ...engine.env, HANDOFF_WEBHOOK_TOKEN: WEBHOOK_TOKEN };
  const secretKey = sandboxEnv(sandbox.sandbox).HANDOFF_2CO_SECRET_KEY!;
  const bodies = Array.from({ length: EVENTS }, (_, i) => notification(secretKey, i));
  const backends = await Promise.all(Array.from({ length: engine.instances }, () => startBackend(env)));

  // The provider's first attempts, until the kill; what it got no receipt for, it sends again later.
  const acknowledged = new Set<number>();
  let cutOff = 0;
  let killed = false;
  const killAll = () => {
    if (killed) return;
    killed = true;
    for (const b of backends) b.child.kill('SIGKILL');
  };
  let next = 0;
  const worker = async () => {
    while (!killed && next < EVENTS) {
      const n = next++;
      try {
        if (await deliver(backends[n % backends.length]!.url, bodies[n]!)) acknowledged.add(n);
      } catch {
        cutOff++;
      }
      if (acknowledged.size >= KILL_AFTER) killAll();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  killAll();
  await Promise.all(backends.map((b) => b.exited));

  const restarted = await startBackend(env);
  const store = await openStore(engine.storeOptions);
  try {
    const problems: string[] = [];
    // Acknowledged before the kill: already in the directory.
    for (const n of acknowledged) {
      const entry = await store.customerDirectory.lookup('default', `crash-${n}@example.com`);
      if (entry.twocheckoutSubscriptions.map((s) => s.reference).join() !== `SUB-CRASH-${n}`)
        problems.push(`event ${n} was acknowledged but is not stored`);
    }
    // The provider retries everything else, and replays some it had an answer for.
    const retried = Array.from({ length: EVENTS }, (_, n) => n).filter((n) => !acknowledged.has(n));
    const replayed = [...acknowledged].slice(0, 10);
    for (const n of [...retried, ...replayed]) {
      if (!(await deliver(restarted.url, bodies[n]!)))
        problems.push(`event ${n}: no receipt after the restart`);
    }
    const events = await store.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await store.db
      .selectFrom('twocheckout_subscriptions')
      .select(['reference', 'email'])
      .execute();
    if (Number(events.count) !== EVENTS) problems.push(`${events.count} events recorded for ${EVENTS} sent`);
    if (rows.length !== EVENTS) problems.push(`${rows.length} subscriptions stored for ${EVENTS} events`);
    for (const row of rows) {
      if (row.email !== `crash-${row.reference.slice('SUB-CRASH-'.length)}@example.com`)
        problems.push(`${row.reference} stored with ${row.email}`);
    }

    report(
      `webhook crash safety (${engine.kind}, ${engine.instances} instance${engine.instances > 1 ? 's' : ''})`,
      {
        events: EVENTS,
        acknowledgedBeforeKill: acknowledged.size,
        cutOffByKill: cutOff,
        retriedAfterRestart: retried.length,
        replayed: replayed.length,
        failures: problems.length,
      },
    );
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(cutOff).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  } finally {
    await store.close();
    restarted.child.kill('SIGTERM');
    await restarted.exited;
    await engine.cleanup();
  }
}

describe('kill -9 during webhook ingestion', () => {
  it('SQLite: nothing acknowledged is lost, and retries double nothing', async () => {
    await webhookCrashRun(await sqliteEngine());
  });

  it('PostgreSQL (two instances): nothing acknowledged is lost, and retries double nothing', async (ctx) => {
    const url = await testPostgresUrl();
    if (!url) {
      report('webhook crash safety (postgres)', { skipped: 'no PostgreSQL server at the test URL' });
      ctx.skip();
      return;
    }
    await webhookCrashRun(await postgresEngine(url));
  });
});
