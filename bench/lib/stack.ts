import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CustomerIdentity } from '@handoff/core';
import { sandboxEnv, type Sandbox } from '@handoff/sandbox';
import { openStore } from '../../server/src/store/index.ts';
import { spawnNode, type Child } from './child.ts';
import type { RequestSpec } from './load.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const TSX = ['--import', 'tsx'];

/** The backend as the `handoff serve` command runs it (`tsx` on the sources), or pre-bundled. */
export type BackendMode = 'tsx' | 'bundle';

/** The bench's customer: the sandbox's seeded OkePay contact, 2Checkout subscription and Paybis access. */
export const BENCH_CUSTOMER: CustomerIdentity = {
  id: 'bench-customer',
  email: 'ada@example.com',
  okepayContactId: 1001,
  twocheckoutSubscriptions: ['SUB-DEMO-1'],
  paybis: true,
};

export type RouteName = 'okepay' | '2checkout' | 'paybis';
export const ROUTES: readonly RouteName[] = ['okepay', '2checkout', 'paybis'];

const ROUTE_REQUESTS: Record<RouteName, { path: string; body: unknown }> = {
  okepay: { path: '/v1/okepay/login-link', body: {} },
  '2checkout': { path: '/v1/2checkout/sso', body: { subscriptionReference: 'SUB-DEMO-1' } },
  paybis: {
    path: '/v1/paybis/session',
    body: { flow: 'buyCrypto', currencyCodeFrom: 'EUR', currencyCodeTo: 'BTC', amount: '100.00' },
  },
};

export interface SandboxProcess extends Child {
  url: string;
  urls: Sandbox['urls'];
  setLatency(ms: number): Promise<void>;
}

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = await spawnNode({
    args: [...TSX, join(ROOT, 'bench/children/sandbox.ts')],
    ready: /^READY (.+)$/,
    cwd: ROOT,
  });
  const info = JSON.parse(child.match[1]!) as { url: string; urls: Sandbox['urls'] };
  return {
    ...child,
    url: info.url,
    urls: info.urls,
    async setLatency(ms) {
      const res = await fetch(new URL('/_sandbox/faults', info.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ms > 0 ? { latencyMs: ms } : {}),
      });
      if (!res.ok) throw new Error(`Setting the sandbox latency failed: ${res.status} ${await res.text()}`);
    },
  };
}

export interface BareProcess extends Child {
  spec: RequestSpec;
}

export async function startBareProcess(): Promise<BareProcess> {
  const child = await spawnNode({
    args: [...TSX, join(ROOT, 'bench/children/bare.ts')],
    ready: /^READY (.+)$/,
    cwd: ROOT,
  });
  const { url } = JSON.parse(child.match[1]!) as { url: string };
  return {
    ...child,
    spec: {
      url: `${url}/bare`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer hc_bare' },
      body: '{}',
    },
  };
}

/** A SQLite database with one integration API key, as an operator sets it up with the CLI. */
export interface BenchDatabase {
  path: string;
  apiKey: string;
  apiSecret: string;
  remove(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'handoff-bench-'));
  const path = join(dir, 'handoff.db');
  const store = await openStore({ kind: 'sqlite', path });
  try {
    const user = await store.users.create({ email: 'bench@example.com', createdBy: 'bench' });
    await store.users.addMembership(user.id, 'default', ['integration'], { primary: true });
    const key = await store.apiKeys.create(user.id);
    return {
      path,
      apiKey: key.keyId,
      apiSecret: key.secret,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } finally {
    await store.close();
  }
}

/** The pre-bundled backend (one ESM file, native and WASM database drivers left external). */
/** The built server, as `npm run build` produces it and `npx handoff` runs it. */
export function bundlePath(): string {
  return join(ROOT, 'server/dist/handoff.js');
}

/** Builds the server exactly as shipped (`server/build.js`: one file, registry dependencies external). */
export async function buildBackendBundle(): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'server/build.js')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`server/build.js exited with ${code}`);
  return bundlePath();
}

export interface BackendProcess extends Child {
  url: string;
}

/** Environment of a backend pointed at the sandbox, quiet, with the bench database. */
export function backendEnv(sandbox: Pick<SandboxProcess, 'urls'>, db: BenchDatabase): Record<string, string> {
  return {
    ...sandboxEnv(sandbox),
    HANDOFF_DB: db.path,
    HANDOFF_LOG_LEVEL: 'warn',
    HANDOFF_CORS_ORIGINS: '',
    // The bench measures signing throughput, not the abuse quotas.
    HANDOFF_QUOTA_CUSTOMER_PER_MINUTE: '1000000',
    HANDOFF_QUOTA_ACCOUNT_PER_MINUTE: '1000000',
    DATABASE_URL: '',
  };
}

/** The `MEMORY {json}` line the memory probe prints on SIGUSR2. */
export const MEMORY_ANSWER = /^MEMORY (\{.*\})$/;

export async function startBackendProcess(
  env: Record<string, string>,
  mode: BackendMode = 'tsx',
  options: { memoryProbe?: boolean } = {},
): Promise<BackendProcess> {
  const entry = mode === 'tsx' ? join(ROOT, 'server/bin/handoff.js') : bundlePath();
  const probe = options.memoryProbe
    ? ['--expose-gc', '--import', pathToFileURL(join(ROOT, 'bench/children/memory-probe.mjs')).href]
    : [];
  const child = await spawnNode({
    args: [...probe, entry, 'serve', '--port', '0'],
    // bin/handoff.js runs server/dist when a build is there: "tsx" means the sources, always.
    env: mode === 'tsx' ? { ...env, HANDOFF_FROM_SOURCE: '1' } : env,
    ready: /listening on (http:\/\/\S+)/,
    cwd: ROOT,
  });
  return { ...child, url: child.match[1]! };
}

async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** Logs in with the API key and creates a customer session through the backend's own API. */
export async function customerToken(backendUrl: string, db: BenchDatabase): Promise<string> {
  const login = (await postJson(`${backendUrl}/auth/login`, {
    apiKey: db.apiKey,
    apiSecret: db.apiSecret,
  })) as { token: string };
  const session = (await postJson(
    `${backendUrl}/v1/customer-sessions`,
    { customer: BENCH_CUSTOMER, ttlSeconds: 3600 },
    login.token,
  )) as { token: string };
  return session.token;
}

export function routeSpec(backendUrl: string, route: RouteName, token: string): RequestSpec {
  const { path, body } = ROUTE_REQUESTS[route];
  return {
    url: `${backendUrl}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  };
}

/** The sandbox and the backend (and the bare baseline), each in its own process. */
export interface Stack {
  sandbox: SandboxProcess;
  backend: BackendProcess;
  bare: BareProcess;
  token: string;
  routes: Record<RouteName, RequestSpec>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const db = await createBenchDatabase();
    stops.push(db.remove);
    const sandbox = await startSandboxProcess();
    stops.push(sandbox.stop);
    const bare = await startBareProcess();
    stops.push(bare.stop);
    const backend = await startBackendProcess(backendEnv(sandbox, db));
    stops.push(backend.stop);
    const token = await customerToken(backend.url, db);
    const routes = {
      okepay: routeSpec(backend.url, 'okepay', token),
      '2checkout': routeSpec(backend.url, '2checkout', token),
      paybis: routeSpec(backend.url, 'paybis', token),
    };
    return { sandbox, backend, bare, token, routes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
