import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import type { CustomerSessionResponse } from '@handoff/core';
import { sandboxEnv } from '@handoff/sandbox';
import { startSandboxServer, type SandboxServer } from '@handoff/sandbox/node';
import { loadConfig } from '@handoff/server';
import { startServer, type RunningServer } from '@handoff/server/node';
import { openStore, type SqlStore } from '../../server/src/store/index.ts';
import { sourceAliases } from '../../vite.config.ts';
import { DEMO_CUSTOMERS, findCustomer, signUpCustomer } from './customers.ts';

/**
 * The demo: the provider sandbox, the Handoff backend pointed at it, and a small host app (the
 * "Acme Cloud" account page) whose server logs in to the backend with an API key and hands a
 * customer token for its signed-in customer to the page, as a real host app would.
 */
export interface DemoOptions {
  /** Host app port; 0 picks a free one. Default 5173, or a free port when that one is taken. */
  port?: number;
  /** Added latency of every sandbox API answer, in milliseconds. */
  sandboxLatencyMs?: number;
  /** Backend log level (default `warn`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Extra backend environment (e.g. HANDOFF_PROVIDER_TIMEOUT_MS). */
  env?: Record<string, string>;
}

export interface Demo {
  /** The host app, e.g. `http://localhost:5173/`. */
  url: string;
  backendUrl: string;
  sandbox: SandboxServer;
  backend: RunningServer;
  store: SqlStore;
  close(): Promise<void>;
}

const DEMO_ROOT = import.meta.dirname;

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const sandbox = await startSandboxServer({
      port: 0,
      host: '127.0.0.1',
      ...(options.sandboxLatencyMs ? { faults: { latencyMs: options.sandboxLatencyMs } } : {}),
    });
    cleanups.push(() => sandbox.close());

    // The host app's server: its own routes first, then Vite serving the page.
    const host = createHttpServer();
    const hostPort = await listen(host, options.port ?? 5173);
    cleanups.push(() => closeServer(host));
    const hostOrigins = [`http://localhost:${hostPort}`, `http://127.0.0.1:${hostPort}`];

    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    cleanups.push(() => store.close());
    const credentials = await createIntegrationKey(store);

    // The webhook URL the operator pastes into each provider; here the sandbox is told directly.
    const webhookToken = randomBytes(32).toString('base64url');
    const config = loadConfig({
      ...sandboxEnv(sandbox.sandbox),
      HANDOFF_WEBHOOK_TOKEN: webhookToken,
      HANDOFF_2CO_BIND_IP: 'true',
      HANDOFF_CORS_ORIGINS: hostOrigins.join(','),
      HANDOFF_LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    });
    config.port = 0;
    const backend = await startServer(config, { store });
    cleanups.push(() => backend.close());
    const webhooks = sandbox.sandbox.webhooks;
    const hook = (provider: string) => `${backend.url}/v1/webhooks/${provider}/${webhookToken}`;
    webhooks.configure('default', 'okepay', { url: hook('okepay'), encoding: 'php-form' });
    webhooks.configure('default', '2checkout', { url: hook('2checkout') });
    webhooks.configure('default', 'paybis', { url: hook('paybis') });

    const vite = await createViteServer({
      configFile: false,
      root: DEMO_ROOT,
      cacheDir: join(tmpdir(), 'handoff-demo-vite'),
      logLevel: 'warn',
      appType: 'mpa',
      plugins: [react()],
      resolve: { alias: sourceAliases },
      // The page's Vite client talks to the host server itself: no second port to find or clash on.
      server: { middlewareMode: true, hmr: { server: host }, watch: null },
    });
    cleanups.push(() => vite.close());

    const hostApp = createHostApp({ backendUrl: backend.url, credentials, vite, sandbox: sandbox.sandbox });
    host.on('request', hostApp);

    return {
      url: `http://localhost:${hostPort}/`,
      backendUrl: backend.url,
      sandbox,
      backend,
      store,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What an operator does once with `handoff users create` and `handoff keys create`. */
async function createIntegrationKey(store: SqlStore): Promise<{ apiKey: string; apiSecret: string }> {
  const user = await store.users.create({ email: 'integration@acme-cloud.example', createdBy: 'demo' });
  await store.users.addMembership(user.id, 'default', ['integration'], { primary: true });
  const key = await store.apiKeys.create(user.id);
  return { apiKey: key.keyId, apiSecret: key.secret };
}

interface HostAppOptions {
  /** Where the demo's new customers "buy": the sandbox then sends the providers' webhooks. */
  sandbox: SandboxServer['sandbox'];
  backendUrl: string;
  credentials: { apiKey: string; apiSecret: string };
  vite: ViteDevServer;
}

/**
 * The host app's server. It knows who is signed in (here: a cookie the customer switcher sets),
 * holds the API key, and is the only party that talks to the backend's server-to-server routes.
 */
function createHostApp({ backendUrl, credentials, vite, sandbox }: HostAppOptions) {
  let session: { token: string; expiresAt: number } | undefined;

  async function sessionToken(): Promise<string> {
    if (session && session.expiresAt - Date.now() > 60_000) return session.token;
    const res = await fetch(`${backendUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    if (!res.ok) throw new Error(`API key login failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: string };
    // Sessions last an hour by default; refresh well before.
    session = { token: body.token, expiresAt: Date.now() + 30 * 60_000 };
    return session.token;
  }

  async function customerToken(customerKey: string | undefined): Promise<CustomerSessionResponse> {
    const customer = findCustomer(customerKey);
    const res = await fetch(`${backendUrl}/v1/customer-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await sessionToken()}` },
      body: JSON.stringify({ customer: customer.identity }),
    });
    if (!res.ok) throw new Error(`Creating a customer session failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as CustomerSessionResponse;
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const signedIn = findCustomer(readCookie(req, 'demo_customer'));
    if (url.pathname === '/api/me' && req.method === 'GET') {
      return sendJson(res, 200, {
        backendUrl,
        customer: { key: signedIn.key, name: signedIn.name, email: signedIn.identity.email },
        customers: DEMO_CUSTOMERS.map(({ key, name }) => ({ key, name })),
      });
    }
    if (url.pathname === '/api/handoff-token' && req.method === 'POST') {
      customerToken(signedIn.key).then(
        (body) => sendJson(res, 200, body),
        (err: unknown) => sendJson(res, 502, { error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    if (url.pathname === '/api/sign-up' && req.method === 'POST') {
      // A new customer signs up with a verified email, then subscribes at OkePay and at 2Checkout
      // (acted out in the sandbox, which sends the webhooks to the backend).
      const customer = signUpCustomer();
      const email = customer.identity.email!;
      const events = sandbox.webhooks;
      events.trigger({
        provider: 'okepay',
        type: 'subscribe',
        email,
        firstName: 'New',
        lastName: 'Customer',
      });
      events.trigger({ provider: '2checkout', type: 'subscribe', email });
      events.trigger({ provider: '2checkout', type: 'subscribe', email });
      events.settled().then(
        () => {
          res.writeHead(303, {
            location: '/',
            'set-cookie': `demo_customer=${customer.key}; Path=/; HttpOnly; SameSite=Lax`,
          });
          res.end();
        },
        (err: unknown) => sendJson(res, 502, { error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    if (url.pathname === '/api/sign-in' && req.method === 'GET') {
      const next = findCustomer(url.searchParams.get('customer') ?? undefined);
      res.writeHead(303, {
        location: url.searchParams.get('page') === 'elements' ? '/elements.html' : '/',
        'set-cookie': `demo_customer=${next.key}; Path=/; HttpOnly; SameSite=Lax`,
      });
      return res.end();
    }
    vite.middlewares(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    });
  };
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function listen(server: Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  try {
    return await attempt(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && port !== 0) return attempt(0);
    throw err;
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
