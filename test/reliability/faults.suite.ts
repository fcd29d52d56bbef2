import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import type { FaultConfig } from '@handoff/sandbox';
import {
  Capture,
  customerTokensVia,
  inProcess,
  isErrorBody,
  loginVia,
  makeWorld,
  report,
  seedIntegration,
  tryJson,
  whoseLink,
  type InProcess,
  type InProcessOptions,
} from './support.ts';

/**
 * Part 2, provider faults: each fault the sandbox can inject (latency beyond the timeout, 5xx,
 * malformed JSON, connection reset), signature refusals, and a 2Checkout session that expires
 * between calls. Each must reach the caller as the right error (504, 502, or a transparent
 * re-login), and the backend must keep serving afterwards.
 */

const capture = new Capture('faults', inject('captureDir'));
const TIMEOUT_MS = 300;
const figures = { requests: 0, failures: 0 };
const opened: InProcess[] = [];

afterAll(async () => {
  capture.flush();
  for (const w of opened) await w.close();
  report('provider faults', figures);
});

interface Setup {
  w: InProcess;
  token: string;
  call(provider: Provider): Promise<{ status: number; body: unknown }>;
}
type Provider = 'okepay' | '2checkout' | 'paybis';
const PROVIDERS: Provider[] = ['okepay', '2checkout', 'paybis'];

async function setup(options: InProcessOptions = {}): Promise<Setup> {
  const world = makeWorld(1);
  const w = await inProcess({
    world,
    logger: capture.logger(),
    ...options,
    env: { HANDOFF_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), ...options.env },
  });
  opened.push(w);
  const integration = await seedIntegration(w.store);
  const session = await loginVia(w.request, '', integration);
  const [token] = await customerTokensVia(w.request, '', session, world.customers);
  capture.token(session);
  capture.token(token);
  const paths: Record<Provider, [string, unknown]> = {
    okepay: ['/v1/okepay/login-link', {}],
    '2checkout': ['/v1/2checkout/sso', { subscriptionReference: 'SUB-0' }],
    paybis: ['/v1/paybis/session', { flow: 'buyCrypto' }],
  };
  return {
    w,
    token: token!,
    async call(provider) {
      const [path, body] = paths[provider];
      const res = await capture.response(
        await w.app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token!}` },
          body: JSON.stringify(body),
        }),
        path,
      );
      figures.requests++;
      const parsed = tryJson(await res.text());
      const b = parsed as { url?: string; oneTimeToken?: string } | undefined;
      capture.token(b?.url);
      capture.token(b?.oneTimeToken);
      return { status: res.status, body: parsed };
    },
  };
}

function expectError(
  result: { status: number; body: unknown },
  status: number,
  code: string,
  provider: Provider,
) {
  if (result.status !== status) figures.failures++;
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(isErrorBody(result.body)).toBe(true);
  const { error } = result.body as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  expect(error.message.toLowerCase()).toContain(provider === '2checkout' ? '2checkout' : provider);
  // No stack trace or internals reach the caller.
  expect(error.message).not.toMatch(/\bat .+:\d+:\d+|Error:|node_modules/);
}

/** The backend still answers: health, and a successful call to every provider. */
async function expectServing(s: Setup): Promise<void> {
  s.w.sandbox.setFaults({});
  expect((await s.w.app.request('/healthz')).status).toBe(200);
  for (const provider of PROVIDERS) {
    const result = await s.call(provider);
    if (result.status !== 200) figures.failures++;
    expect(result.status, `${provider}: ${JSON.stringify(result.body)}`).toBe(200);
  }
}

const faultCases: { name: string; faults: FaultConfig; status: number; code: string }[] = [
  {
    name: 'latency beyond the timeout',
    faults: { latencyMs: TIMEOUT_MS * 4 },
    status: 504,
    code: 'provider_timeout',
  },
  { name: 'HTTP 500', faults: { errorRate: 1, errorStatus: 500 }, status: 502, code: 'provider_error' },
  { name: 'HTTP 503', faults: { errorRate: 1, errorStatus: 503 }, status: 502, code: 'provider_error' },
  { name: 'HTTP 429', faults: { errorRate: 1, errorStatus: 429 }, status: 502, code: 'provider_error' },
  { name: 'malformed JSON', faults: { malformedRate: 1 }, status: 502, code: 'provider_error' },
  { name: 'connection reset', faults: { resetRate: 1 }, status: 502, code: 'provider_error' },
];

describe('injected provider faults', () => {
  it.each(faultCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const s = await setup();
    for (const provider of PROVIDERS) {
      s.w.sandbox.setFaults({ ...c.faults, providers: [provider] });
      // Twice: a fault on a warm client (2Checkout session cached) and after it.
      expectError(await s.call(provider), c.status, c.code, provider);
      expectError(await s.call(provider), c.status, c.code, provider);
    }
    await expectServing(s);
  });

  it('a fault on one provider leaves the others working', async () => {
    const s = await setup();
    s.w.sandbox.setFaults({ resetRate: 1, providers: ['paybis'] });
    expectError(await s.call('paybis'), 502, 'provider_error', 'paybis');
    expect((await s.call('okepay')).status).toBe(200);
    expect((await s.call('2checkout')).status).toBe(200);
    await expectServing(s);
  });
});

describe('signature refusals', () => {
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const wrong: Record<Provider, Record<string, string>> = {
    okepay: { HANDOFF_OKEPAY_SECRET: 'not-the-okepay-secret' },
    '2checkout': { HANDOFF_2CO_SECRET_KEY: 'not-the-2checkout-secret' },
    paybis: { HANDOFF_PAYBIS_PRIVATE_KEY: otherKey },
  };

  it.each(PROVIDERS)(
    '%s: a request signed with the wrong secret becomes a 502 with the provider’s message',
    async (p) => {
      const s = await setup({ env: wrong[p] });
      const result = await s.call(p);
      expectError(result, 502, 'provider_error', p);
      const message = (result.body as { error: { message: string } }).error.message;
      expect(message).not.toContain('not-the-');
      // The other providers, correctly configured, still work.
      for (const other of PROVIDERS.filter((o) => o !== p)) expect((await s.call(other)).status).toBe(200);
      expect((await s.w.app.request('/healthz')).status).toBe(200);
    },
  );
});

describe('2Checkout session expiry mid-use', () => {
  it('re-logs in once, transparently, and the link opens the right subscription', async () => {
    let serverNow = Date.now();
    let sandboxNow = serverNow;
    const s = await setup({ now: () => new Date(serverNow), sandbox: { now: () => sandboxNow } });

    expect((await s.call('2checkout')).status).toBe(200);
    expect(s.w.rpcMethods).toEqual(['login', 'getSingleSignOn']);

    // The backend still trusts its cached session (within its reuse window), but the provider has
    // already dropped it (its clock runs ahead, within the login date tolerance).
    serverNow += 8 * 60_000;
    sandboxNow += 11 * 60_000;
    const result = await s.call('2checkout');
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(s.w.rpcMethods).toEqual([
      'login',
      'getSingleSignOn',
      'getSingleSignOn',
      'login',
      'getSingleSignOn',
    ]);
    const { url } = result.body as { url: string };
    const opened = await whoseLink((r) => s.w.sandbox.fetch(r), url);
    expect(opened.twocheckoutSubscription).toBe('SUB-0');

    // The new session is reused: no further login.
    expect((await s.call('2checkout')).status).toBe(200);
    expect(s.w.rpcMethods.filter((m) => m === 'login')).toHaveLength(2);
  });

  it('a refused re-login is reported as a 502, not retried for ever', async () => {
    let serverNow = Date.now();
    let sandboxNow = serverNow;
    const s = await setup({ now: () => new Date(serverNow), sandbox: { now: () => sandboxNow } });
    expect((await s.call('2checkout')).status).toBe(200);
    serverNow += 8 * 60_000;
    // Far enough ahead that the session is gone and the backend's login date is refused as stale.
    sandboxNow += 20 * 60_000;
    expectError(await s.call('2checkout'), 502, 'provider_error', '2checkout');
    expect(s.w.rpcMethods.filter((m) => m === 'login')).toHaveLength(2);
    expect(s.w.rpcMethods.slice(2)).toEqual(['getSingleSignOn', 'login']);
    // Clocks agree again: the backend recovers on its own.
    sandboxNow = serverNow;
    expect((await s.call('2checkout')).status).toBe(200);
  });
});
