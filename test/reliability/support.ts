import { appendFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import {
  createSandbox,
  OKEPAY_DEMO,
  PAYBIS_DEMO,
  sandboxEnv,
  SandboxConnectionReset,
  TWOCHECKOUT_DEMO,
  type OkePaySeed,
  type Sandbox,
  type SandboxOptions,
  type TwoCheckoutSeed,
} from '@handoff/sandbox';
import type { CustomerIdentity, ErrorBody } from '@handoff/core';
import { createHandoff, createLogger, loadConfig, type HandoffConfig, type Logger } from '@handoff/server';
import { openStore, type SqlStore } from '../../server/src/store/index.ts';

/**
 * Shared fixtures for the reliability suite: a world of many customers known to the sandbox, the
 * backend wired to it (in process or over loopback), and a capture of every response, log line
 * and issued token for the leak scan that runs last.
 */

// ---- Capture for the leak scan ----

export interface CapturedResponse {
  part: string;
  status: number;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Collects what one part of the suite saw; `flush` appends it to the run's capture directory. */
export class Capture {
  readonly responses: CapturedResponse[] = [];
  readonly logs: string[] = [];
  readonly tokens = new Set<string>();

  constructor(
    readonly part: string,
    private readonly dir: string,
  ) {}

  /** A logger at debug level (the most output to scan) that writes into this capture, unredacted. */
  logger(): Logger {
    return createLogger({ level: 'debug', write: (line) => this.logs.push(line) });
  }

  /** Records a response (its body is read from a clone) and returns it unchanged. */
  async response(res: Response, url: string): Promise<Response> {
    const body = await res.clone().text();
    this.record(res.status, url, Object.fromEntries(res.headers), body);
    return res;
  }

  record(status: number, url: string, headers: Record<string, string>, body: string): void {
    this.responses.push({ part: this.part, status, url, headers, body });
  }

  /** An issued credential (customer token, session token, link, one-time token, auth key): never in a log. */
  token(value: string | undefined | null): void {
    if (value) this.tokens.add(value);
  }

  flush(): void {
    const name = this.part.replace(/[^a-z0-9-]/gi, '-');
    if (this.responses.length > 0) {
      appendFileSync(
        join(this.dir, `responses-${name}.ndjson`),
        this.responses.map((r) => `${JSON.stringify(r)}\n`).join(''),
      );
    }
    if (this.logs.length > 0) appendFileSync(join(this.dir, `logs-${name}.log`), `${this.logs.join('\n')}\n`);
    if (this.tokens.size > 0)
      appendFileSync(join(this.dir, `tokens-${name}.txt`), `${[...this.tokens].join('\n')}\n`);
    this.responses.length = 0;
    this.logs.length = 0;
    this.tokens.clear();
  }
}

/**
 * Every provider secret the suite configures (the sandbox demo credentials), plus each base64 line
 * of the Paybis private key, so that a partial key in a bundle or a log is found too.
 */
export function configuredSecrets(): { name: string; value: string }[] {
  const keyLines = PAYBIS_DEMO.privateKeyPem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 40 && !l.startsWith('-----'));
  return [
    { name: 'HANDOFF_OKEPAY_SECRET', value: OKEPAY_DEMO.secret },
    { name: 'HANDOFF_2CO_SECRET_KEY', value: TWOCHECKOUT_DEMO.secretKey },
    { name: 'HANDOFF_PAYBIS_API_KEY', value: PAYBIS_DEMO.apiKey },
    ...keyLines.map((value, i) => ({ name: `HANDOFF_PAYBIS_PRIVATE_KEY line ${i + 1}`, value })),
    { name: 'a stored connection secret', value: STORED_CONNECTION_SECRET },
    { name: 'HANDOFF_ENCRYPTION_KEY', value: TEST_ENCRYPTION_KEY },
  ];
}

/** The secret of the connection the fuzz suite stores: it must never come back, nor reach a log. */
export const STORED_CONNECTION_SECRET = 'fuzz-okepay-stored-secret-7d2e';

// ---- A world of customers ----

export interface World {
  okepay: OkePaySeed;
  twocheckout: TwoCheckoutSeed;
  customers: CustomerIdentity[];
}

/**
 * `count` customers, each with their own OkePay contact, 2Checkout customer and subscription, and
 * Paybis access, all known to the sandbox, so a link can be followed to see whose account it opens.
 */
export function makeWorld(count: number): World {
  const customers: CustomerIdentity[] = [];
  const contacts: OkePaySeed['contacts'] = [];
  const tcoCustomers: TwoCheckoutSeed['customers'][number][] = [];
  const subscriptions: TwoCheckoutSeed['subscriptions'][number][] = [];
  for (let i = 0; i < count; i++) {
    const email = `customer-${i}@example.com`;
    contacts.push({
      id: 3000 + i,
      firstName: 'Customer',
      lastName: String(i),
      email,
      subscriptions: [
        {
          id: 9000 + i,
          title: `Plan ${i}`,
          amount: 1000,
          currency: 'CHF',
          interval: 'monthly',
          status: 'active',
          nextDate: '2027-01-01',
        },
      ],
    });
    tcoCustomers.push({ reference: `cust-ref-${i}`, email, firstName: 'Customer', lastName: String(i) });
    subscriptions.push({
      reference: `SUB-${i}`,
      customerReference: `cust-ref-${i}`,
      productName: `Plan ${i}`,
      productCode: 'PLAN',
      orderReference: String(80000000 + i),
      status: 'ACTIVE',
      expirationDate: '2027-01-01',
    });
    customers.push({
      id: `customer-${i}`,
      email,
      okepayContactId: 3000 + i,
      twocheckoutSubscriptions: [`SUB-${i}`],
      paybis: true,
    });
  }
  return {
    okepay: { instance: OKEPAY_DEMO.instance, secret: OKEPAY_DEMO.secret, contacts },
    twocheckout: {
      merchantCode: TWOCHECKOUT_DEMO.merchantCode,
      secretKey: TWOCHECKOUT_DEMO.secretKey,
      customers: tcoCustomers,
      subscriptions,
    },
    customers,
  };
}

/** Seals the suite's stored connections; the same in every file, so the leak scan knows it. */
const TEST_ENCRYPTION_KEY = 'aGFuZG9mZi1yZWxpYWJpbGl0eS10ZXN0LWtleS0zMmI=';

/** The backend configuration pointing at a sandbox with the demo credentials. */
export function sandboxConfig(
  sandbox: Pick<Sandbox, 'urls'>,
  env: Record<string, string> = {},
): HandoffConfig {
  return loadConfig({
    ...sandboxEnv(sandbox),
    // The fuzzed Paybis body passes a return URL: this is the origin the account allows.
    HANDOFF_PAYBIS_ALLOWED_RETURN_ORIGINS: 'https://shop.example.com',
    // Seals the secrets of stored connections (the connection routes are fuzzed too).
    HANDOFF_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    HANDOFF_LOG_LEVEL: 'debug',
    ...env,
  });
}

/** An API user with `roles` in the default account and a key; returns the credentials. */
export async function seedIntegration(
  store: SqlStore,
  email = 'integration@example.com',
  roles: string[] = ['integration'],
): Promise<{ apiKey: string; apiSecret: string; userId: number }> {
  if (!(await store.accounts.get('default'))) await store.accounts.create({ id: 'default', name: 'default' });
  const user =
    (await store.users.findByEmail(email)) ?? (await store.users.create({ email, createdBy: 'test' }));
  await store.users.addMembership(user.id, 'default', roles);
  const key = await store.apiKeys.create(user.id);
  return { apiKey: key.keyId, apiSecret: key.secret, userId: user.id };
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Logs in with an API key through the backend; returns the session token. */
export async function loginVia(
  fetchFn: FetchLike,
  base: string,
  credentials: { apiKey: string; apiSecret: string },
): Promise<string> {
  const res = await fetchFn(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Creates one customer session per customer through the backend; returns the tokens in order. */
export async function customerTokensVia(
  fetchFn: FetchLike,
  base: string,
  sessionToken: string,
  customers: CustomerIdentity[],
  ttlSeconds = 3600,
): Promise<string[]> {
  const tokens: string[] = [];
  for (const customer of customers) {
    const res = await fetchFn(`${base}/v1/customer-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionToken}` },
      body: JSON.stringify({ customer, ttlSeconds }),
    });
    if (res.status !== 201) throw new Error(`customer session failed: ${res.status} ${await res.text()}`);
    tokens.push(((await res.json()) as { token: string }).token);
  }
  return tokens;
}

// ---- The backend in process ----

export interface InProcess {
  sandbox: Sandbox;
  store: SqlStore;
  config: HandoffConfig;
  app: ReturnType<typeof createHandoff>;
  /** `app.request` as a fetch-like function over the app's own origin. */
  request: FetchLike;
  /** How many outbound calls the backend made to the sandbox, by provider path prefix. */
  outbound: { okepay: number; twocheckout: number; paybis: number };
  /** The JSON-RPC methods the backend called on 2Checkout, in order. */
  rpcMethods: string[];
  /** Paybis requests the sandbox answered: requestId → the partnerUserId (auth key) it was sent. */
  paybisRequests: Map<string, string>;
  close(): Promise<void>;
}

export interface InProcessOptions {
  world?: World;
  env?: Record<string, string>;
  sandbox?: Omit<SandboxOptions, 'okepay' | 'twocheckout' | 'baseUrl'>;
  logger?: Logger;
  now?: () => Date;
}

/**
 * The backend as `app.fetch` with the sandbox injected as its outbound fetch (no sockets), over a
 * fresh in-memory SQLite store.
 */
export async function inProcess(options: InProcessOptions = {}): Promise<InProcess> {
  const sandbox = createSandbox({
    baseUrl: 'http://sandbox.test',
    ...(options.world ? { okepay: options.world.okepay, twocheckout: options.world.twocheckout } : {}),
    ...options.sandbox,
  });
  const store = await openStore({
    kind: 'sqlite',
    path: ':memory:',
    ...(options.now ? { now: options.now } : {}),
  });
  const config = sandboxConfig(sandbox, options.env);
  const outbound = { okepay: 0, twocheckout: 0, paybis: 0 };
  const app = createHandoff({
    config,
    store,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      if (path.startsWith('/okepay/')) outbound.okepay++;
      else if (path.startsWith('/paybis/')) {
        outbound.paybis++;
        const key = (tryJson(await request.clone().text()) as { partnerUserId?: unknown } | undefined)
          ?.partnerUserId;
        const res = await sandbox.fetch(request);
        const id = (tryJson(await res.clone().text()) as { requestId?: unknown } | undefined)?.requestId;
        if (typeof key === 'string' && typeof id === 'string') paybisRequests.set(id, key);
        return res;
      } else if (path.startsWith('/2checkout/')) {
        outbound.twocheckout++;
        const method = (tryJson(await request.clone().text()) as { method?: unknown } | undefined)?.method;
        rpcMethods.push(typeof method === 'string' ? method : '?');
      }
      return sandbox.fetch(request);
    },
  });
  const rpcMethods: string[] = [];
  const paybisRequests = new Map<string, string>();
  const request: FetchLike = async (input, init) => app.request(input, init);
  return {
    sandbox,
    store,
    config,
    app,
    request,
    outbound,
    rpcMethods,
    paybisRequests,
    close: () => store.close(),
  };
}

// ---- Checks ----

/** The backend's error body: exactly `{error: {code, message}}` with two non-empty strings. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'error') return false;
  const error = (value as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  return (
    typeof e.code === 'string' && e.code.length > 0 && typeof e.message === 'string' && e.message.length > 0
  );
}

/** Parses a body as JSON, or returns undefined. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Follows a sandbox one-time link the way a browser would (one redirect, its cookie) and reports
 * whose account it opened: the OkePay contact id or the 2Checkout subscription reference.
 */
export async function whoseLink(
  fetchFn: (request: Request) => Promise<Response>,
  link: string,
): Promise<{ status: number; okepayContactId?: number; twocheckoutSubscription?: string; email?: string }> {
  const first = await fetchFn(new Request(link, { redirect: 'manual' }));
  if (first.status !== 303) return { status: first.status };
  await first.body?.cancel();
  const location = first.headers.get('location');
  const cookie = first.headers.get('set-cookie')?.split(';')[0];
  if (!location || !cookie) return { status: first.status };
  const page = await fetchFn(new Request(new URL(location, link), { headers: { cookie } }));
  const html = await page.text();
  const field = (id: string) => new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
  const contact = field('portal-contact-id');
  const subscription = field('myaccount-subscription');
  const email = field('myaccount-customer-email');
  return {
    status: page.status,
    ...(contact !== undefined ? { okepayContactId: Number(contact) } : {}),
    ...(subscription !== undefined ? { twocheckoutSubscription: subscription } : {}),
    ...(email !== undefined ? { email } : {}),
  };
}

// ---- The sandbox over loopback, watching Paybis requests ----

export interface RecordingSandbox {
  url: string;
  sandbox: Sandbox;
  /** Paybis passwordless requests the sandbox answered: requestId → the partnerUserId (auth key) it was sent. */
  paybisRequests: Map<string, string>;
  close(): Promise<void>;
}

/**
 * The sandbox on 127.0.0.1 (port 0), like `startSandboxServer`, but remembering which auth key
 * each Paybis request carried, so the suite can check whose key a caller's session used.
 */
export async function startRecordingSandbox(
  options: Omit<SandboxOptions, 'baseUrl' | 'clientIp'> & {
    /** Share of provider API requests (0..1) held for `slowMs` before they are answered. */
    slowRate?: number;
    slowMs?: number;
  } = {},
): Promise<RecordingSandbox> {
  const { slowRate = 0, slowMs = 0, ...sandboxOptions } = options;
  const paybisRequests = new Map<string, string>();
  const ref: { sandbox?: Sandbox } = {};
  const server = createAdaptorServer({
    hostname: '127.0.0.1',
    fetch: async (request: Request, env: HttpBindings | unknown) => {
      const incoming = (env as HttpBindings).incoming;
      const isPaybisRequest =
        request.method === 'POST' && new URL(request.url).pathname.startsWith('/paybis/api');
      const sent = isPaybisRequest ? await request.clone().text() : '';
      try {
        if (
          slowRate > 0 &&
          /^\/[^/]+\/api\//.test(new URL(request.url).pathname) &&
          Math.random() < slowRate
        ) {
          // Held like a slow provider; a caller that gives up closes the socket, which ends the wait.
          await new Promise<void>((resolve) => {
            const socket = incoming.socket;
            const done = () => {
              clearTimeout(timer);
              socket.off('close', done);
              resolve();
            };
            const timer = setTimeout(done, slowMs);
            socket.once('close', done);
          });
        }
        const res = await ref.sandbox!.fetch(request);
        if (isPaybisRequest && res.status === 200) {
          const key = (tryJson(sent) as { partnerUserId?: unknown } | undefined)?.partnerUserId;
          const id = (tryJson(await res.clone().text()) as { requestId?: unknown } | undefined)?.requestId;
          if (typeof key === 'string' && typeof id === 'string') paybisRequests.set(id, key);
        }
        return res;
      } catch (err) {
        if (err instanceof SandboxConnectionReset) {
          incoming.socket.destroy();
          return new Response(null, { status: 500 });
        }
        throw err;
      }
    },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ref.sandbox = createSandbox({ ...sandboxOptions, baseUrl: origin, clientIp: () => '127.0.0.1' });
  return {
    url: origin,
    sandbox: ref.sandbox,
    paybisRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Prints one part's figures in a form that stands out in the run's output. */
export function report(part: string, figures: Record<string, number | string>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join('  ');
  console.log(`[reliability] ${part}: ${text}`);
}
