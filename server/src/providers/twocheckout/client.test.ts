import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSandbox, TWOCHECKOUT_DEMO, type Sandbox } from '@handoff/sandbox';
import type { TwoCheckoutConfig } from '../../config.ts';
import { ProviderError, ProviderTimeoutError } from '../../errors.ts';
import {
  createTwoCheckoutClient,
  gmtDate,
  isSessionError,
  SESSION_REUSE_MS,
  twoCheckoutLoginHash,
  TwoCheckoutRpcError,
  type TwoCheckoutClient,
} from './client.ts';

const BASE = 'http://sandbox.test';
const START = Date.UTC(2026, 10, 22, 8, 0, 0);

interface SentRpc {
  method: string;
  params: unknown[];
  id: number;
}

let clock: number;
let sandbox: Sandbox;
let sent: SentRpc[];

const newSandbox = () => createSandbox({ baseUrl: BASE, now: () => clock, clientIp: () => '203.0.113.7' });

/** Outbound fetch into the sandbox, recording every JSON-RPC call. */
const sandboxFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  sent.push((await request.clone().json()) as SentRpc);
  return sandbox.fetch(request);
};

function config(overrides: Partial<TwoCheckoutConfig> = {}): TwoCheckoutConfig {
  return {
    merchantCode: TWOCHECKOUT_DEMO.merchantCode,
    secretKey: TWOCHECKOUT_DEMO.secretKey,
    hashAlgo: 'md5',
    apiUrl: `${BASE}/2checkout/api/rpc/6.0/`,
    bindIp: false,
    defaultValidityTime: 30,
    maxValidityTime: 300,
    sendCustomerEmail: false,
    ...overrides,
  };
}

function client(
  overrides: Partial<TwoCheckoutConfig> = {},
  fetchImpl: typeof fetch = sandboxFetch,
): TwoCheckoutClient {
  return createTwoCheckoutClient(config(overrides), {
    fetch: fetchImpl,
    timeoutMs: 5_000,
    now: () => new Date(clock),
  });
}

const count = (method: string) => sent.filter((r) => r.method === method).length;

/** A scripted JSON-RPC provider: `answer` decides each reply. */
function scripted(answer: (rpc: SentRpc) => unknown, status = 200): typeof fetch {
  return async (input, init) => {
    const rpc = (await new Request(input, init).json()) as SentRpc;
    sent.push(rpc);
    const body = answer(rpc);
    return new Response(
      typeof body === 'string' ? body : JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...(body as object) }),
      {
        status,
        headers: { 'content-type': 'application/json' },
      },
    );
  };
}

beforeEach(() => {
  clock = START;
  sandbox = newSandbox();
  sent = [];
});

describe('login hash', () => {
  it('matches the known-answer vectors', () => {
    expect(twoCheckoutLoginHash('md5', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      'bf763db7d333e9c3038698cf59ada3e6',
    );
    expect(twoCheckoutLoginHash('sha256', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      '29e85dbf92ce0113e7755c31c0438a7db98a4de9f910bf0a527e005f35e43739',
    );
    expect(twoCheckoutLoginHash('sha3-256', 'SECRET_KEY', 'AVANGATE', '2010-05-13 12:12:12')).toBe(
      '0c7e9c0c96148e5bf8e199a0a0e27977edc099ff0b27794e761853b96e04c7fb',
    );
  });

  it('formats the date as GMT YYYY-MM-DD HH:MM:SS', () => {
    expect(gmtDate(new Date(Date.UTC(2010, 4, 13, 12, 12, 12, 999)))).toBe('2010-05-13 12:12:12');
  });
});

describe('singleSignOn against the sandbox', () => {
  it('returns a working one-time URL and its expiry', async () => {
    const result = await client().singleSignOn({
      subscriptionReference: 'SUB-DEMO-2',
      email: 'ada@example.com',
      validityTime: 30,
      accessPage: 'my_license',
    });
    expect(result.expiresAt).toBe(new Date(START + 30_000).toISOString());
    expect(result.url.startsWith(`${BASE}/2checkout/myaccount/`)).toBe(true);
    const opened = await sandbox.fetch(new Request(result.url));
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`${BASE}/2checkout/myaccount/my_license/`);
  });

  it('sends the documented positional parameters, and never the secret', async () => {
    await client().singleSignOn({
      subscriptionReference: 'SUB-DEMO-1',
      email: 'ada@example.com',
      validityTime: 45,
      accessPage: 'change_card',
      validationIp: '203.0.113.7',
    });
    const [login, sso] = sent;
    expect(login?.params).toEqual([
      'HANDOFFDEMO',
      gmtDate(new Date(START)),
      twoCheckoutLoginHash('md5', TWOCHECKOUT_DEMO.secretKey, 'HANDOFFDEMO', gmtDate(new Date(START))),
    ]);
    expect(sso?.params).toEqual([
      expect.any(String),
      'SUB-DEMO-1',
      'ada@example.com',
      45,
      'change_card',
      '203.0.113.7',
    ]);
    expect(JSON.stringify(sent)).not.toContain(TWOCHECKOUT_DEMO.secretKey);
  });

  it('sends nulls for absent optional parameters', async () => {
    await client().singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(sent[1]?.params.slice(1)).toEqual(['SUB-DEMO-1', null, 10, null, null]);
  });

  it.each(['sha256', 'sha3-256'] as const)(
    'logs in with %s named as the fourth parameter',
    async (hashAlgo) => {
      await client({ hashAlgo }).singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
      expect(sent[0]?.params[3]).toBe(hashAlgo);
      expect(count('getSingleSignOn')).toBe(1);
    },
  );

  it("turns the provider's refusal into a 502 with its message", async () => {
    const err = await client()
      .singleSignOn({ subscriptionReference: 'SUB-RIVAL-1', validityTime: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwoCheckoutRpcError);
    expect(err).toMatchObject({ status: 502, code: 'provider_error' });
    expect((err as Error).message).toMatch(/^2Checkout: FORBIDDEN/);
  });

  it('reports a wrong secret as the provider’s authentication failure, without the secret', async () => {
    const err = (await client({ secretKey: 'wrong-secret-key' })
      .singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/AUTHENTICATION_FAILED/);
    expect(err.message).not.toContain('wrong-secret-key');
  });

  it('refuses a non-positive validityTime before calling out', async () => {
    await expect(
      client().singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 0 }),
    ).rejects.toThrow(/validityTime/);
    expect(sent).toHaveLength(0);
  });
});

describe('session handling', () => {
  it('logs in once and reuses the session', async () => {
    const c = client();
    for (let i = 0; i < 3; i++)
      await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(count('login')).toBe(1);
    expect(count('getSingleSignOn')).toBe(3);
    const ids = new Set(sent.filter((r) => r.method === 'getSingleSignOn').map((r) => r.params[0]));
    expect(ids.size).toBe(1);
  });

  it('logs in again once the session nears its 10 minutes', async () => {
    const c = client();
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    clock += SESSION_REUSE_MS - 1;
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(count('login')).toBe(1);
    clock += 1;
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(count('login')).toBe(2);
  });

  it('logs in again and retries once when the provider has lost the session', async () => {
    const c = client();
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    sandbox = newSandbox(); // a provider restart: the cached session is unknown there
    const result = await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(result.url).toContain('/2checkout/myaccount/');
    expect(sent.map((r) => r.method)).toEqual([
      'login',
      'getSingleSignOn',
      'getSingleSignOn',
      'login',
      'getSingleSignOn',
    ]);
  });

  it('gives up after one re-login and one retry', async () => {
    let n = 0;
    const c = client(
      {},
      scripted((rpc) =>
        rpc.method === 'login'
          ? { result: `session-${++n}` }
          : {
              error: { code: -32002, message: 'SESSION_EXPIRED: Session expired or unknown; log in again.' },
            },
      ),
    );
    const err = await c
      .singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/SESSION_EXPIRED/);
    expect(sent.map((r) => r.method)).toEqual(['login', 'getSingleSignOn', 'login', 'getSingleSignOn']);
  });

  it('does not re-login on other provider errors', async () => {
    await client()
      .singleSignOn({ subscriptionReference: 'SUB-NOPE', validityTime: 10 })
      .catch(() => undefined);
    expect(sent.map((r) => r.method)).toEqual(['login', 'getSingleSignOn']);
  });

  it('shares one login among 50 concurrent first calls', async () => {
    const c = client();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 }),
      ),
    );
    expect(count('login')).toBe(1);
    expect(count('getSingleSignOn')).toBe(50);
    expect(new Set(results.map((r) => r.url)).size).toBe(50);
  });

  it('shares one re-login among concurrent callers that all find the session gone', async () => {
    const c = client();
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    sandbox = newSandbox();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 }),
      ),
    );
    expect(count('login')).toBe(2);
  });

  it('keeps a newer session when a slow caller reports the old one dead', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let logins = 0;
    let oldSessionCalls = 0;
    const fetchImpl: typeof fetch = async (input, init) => {
      const rpc = (await new Request(input, init).json()) as SentRpc;
      sent.push(rpc);
      let body: object;
      if (rpc.method === 'login') body = { result: `session-${++logins}` };
      else if (rpc.params[0] === 'session-1') {
        if (++oldSessionCalls === 2) await gate;
        body = { error: { code: -32002, message: 'SESSION_EXPIRED: Session expired or unknown.' } };
      } else body = { result: `${BASE}/2checkout/myaccount/sso/?token=t${rpc.id}` };
      return new Response(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...body }));
    };
    const c = client({}, fetchImpl);
    const params = { subscriptionReference: 'SUB-DEMO-1', validityTime: 10 };
    const fast = c.singleSignOn(params);
    const slow = c.singleSignOn(params);
    await fast; // has already logged in again (session-2)
    release();
    await slow;
    expect(count('login')).toBe(2);
    expect(sent.at(-1)?.params[0]).toBe('session-2');
  });

  it('does not remember a failed login', async () => {
    let failLogin = true;
    let n = 0;
    const c = client(
      {},
      scripted((rpc) => {
        if (rpc.method === 'login') {
          return failLogin
            ? { error: { code: -32001, message: 'AUTHENTICATION_FAILED: Authentication failed.' } }
            : { result: `session-${++n}` };
        }
        return { result: `${BASE}/2checkout/myaccount/sso/?token=t${rpc.id}` };
      }),
    );
    const failures = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 }),
      ),
    );
    expect(failures.every((f) => f.status === 'rejected')).toBe(true);
    expect(count('login')).toBe(1);
    failLogin = false;
    await c.singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 });
    expect(count('login')).toBe(2);
    expect(sent.at(-1)?.params[0]).toBe('session-1');
  });

  it('recognises session errors by code or message', () => {
    expect(isSessionError(new TwoCheckoutRpcError(-32002, 'anything'))).toBe(true);
    expect(isSessionError(new TwoCheckoutRpcError(100, 'Session expired'))).toBe(true);
    expect(isSessionError(new TwoCheckoutRpcError(100, 'Invalid session ID'))).toBe(true);
    expect(isSessionError(new TwoCheckoutRpcError(-32003, 'FORBIDDEN: nope'))).toBe(false);
    expect(isSessionError(new Error('SESSION_EXPIRED'))).toBe(false);
  });
});

describe('unusable answers', () => {
  const sso = (fetchImpl: typeof fetch) =>
    client({}, fetchImpl)
      .singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 })
      .catch((e: unknown) => e);

  it.each([
    ['a body that is not JSON', scripted(() => '<html>oops</html>'), /not JSON/],
    ['a non-JSON-RPC body', scripted(() => '{"ok":true}'), /unexpected JSON-RPC body/],
    ['an HTML error page', scripted(() => '{"message":"down"}', 503), /HTTP 503/],
    [
      'another request id',
      scripted((rpc) => `{"jsonrpc":"2.0","id":${rpc.id + 100},"result":"abc"}`),
      /different JSON-RPC request id/,
    ],
    [
      'a non-string session id',
      scripted((rpc) => ({ result: rpc.method === 'login' ? 42 : 'x' })),
      /session id/,
    ],
    [
      'a URL that is not http(s)',
      scripted((rpc) => ({ result: rpc.method === 'login' ? 'session' : 'javascript:alert(1)' })),
      /usable URL/,
    ],
  ])('fails with a 502 on %s', async (_name, fetchImpl, message) => {
    const err = (await sso(fetchImpl)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(message);
  });

  it('passes a JSON-RPC error body through even with a 5xx status', async () => {
    const err = (await sso(
      scripted(() => ({ error: { code: -32000, message: 'Injected fault' } }), 500),
    )) as ProviderError;
    expect(err.message).toBe('2Checkout: Injected fault');
  });

  it('strips control characters from and bounds the provider message', async () => {
    const err = (await sso(
      scripted(() => ({ error: { code: 1, message: `bad\r\nX-Injected: 1${'x'.repeat(500)}` } })),
    )) as ProviderError;
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message.length).toBeLessThanOrEqual('2Checkout: '.length + 200);
  });

  it('holds the whole exchange to one timeout, not one per call', async () => {
    // Each call answers in 60 % of the timeout: two of them in a row overrun it.
    const slow: typeof fetch = async (input, init) => {
      const answer = scripted((rpc) => ({
        result: rpc.method === 'login' ? 'SESSION-1' : 'https://secure.2checkout.test/sso?x=1',
      }));
      await new Promise((resolve, reject) => {
        setTimeout(resolve, 120);
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
      return answer(input, init);
    };
    const err = await createTwoCheckoutClient(config(), { fetch: slow, timeoutMs: 200 })
      .singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err).toMatchObject({ status: 504, code: 'provider_timeout' });
    // The login got its answer; the single sign-on call was cut at what was left of the 200 ms,
    // but the caller waited the whole 200 ms, and that is what the message names.
    expect(sent.map((rpc) => rpc.method)).toEqual(['login']);
    expect((err as Error).message).toBe('2Checkout did not answer within 200 ms.');
  });

  describe('a login shared by callers with different deadlines', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /**
     * Caller A spends all but 30 ms of its 1 s budget on a single sign-on call that finds the
     * session gone, then starts a re-login; caller B arrives while that login is in flight. The
     * login answers only after A has given up. `performance.now()` is moved on instead of
     * waiting, so the test takes about 30 ms rather than a second.
     */
    async function joinLateLogin() {
      const realNow = performance.now.bind(performance);
      let skew = 0;
      vi.spyOn(performance, 'now').mockImplementation(() => realNow() + skew);
      let loginSent!: () => void;
      const secondLoginSent = new Promise<void>((resolve) => (loginSent = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let logins = 0;
      const fetchImpl: typeof fetch = async (input, init) => {
        const rpc = (await new Request(input, init).json()) as SentRpc;
        sent.push(rpc);
        let body: object;
        if (rpc.method === 'login') {
          const id = `session-${++logins}`;
          if (logins === 2) {
            loginSent();
            await new Promise<void>((resolve, reject) => {
              void gate.then(resolve);
              init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
            });
          }
          body = { result: id };
        } else if (rpc.params[0] === 'session-1') {
          skew += 970;
          body = { error: { code: -32002, message: 'SESSION_EXPIRED: Session expired or unknown.' } };
        } else body = { result: `${BASE}/2checkout/myaccount/sso/?token=t${rpc.id}` };
        return new Response(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...body }));
      };
      const c = createTwoCheckoutClient(config(), { fetch: fetchImpl, timeoutMs: 1_000 });
      const params = { subscriptionReference: 'SUB-DEMO-1', validityTime: 10 };
      const a = c.singleSignOn(params).catch((e: unknown) => e);
      let loginStarted = Infinity;
      let aWaitedForLogin = Infinity;
      void a.then(() => {
        aWaitedForLogin = realNow() - loginStarted;
        release();
      });
      await secondLoginSent;
      loginStarted = realNow();
      const b = await c.singleSignOn(params).catch((e: unknown) => e);
      return { a: await a, aWaitedForLogin, b, logins };
    }

    it('lets a caller that joins it use its own budget, not the starter’s', async () => {
      const { b, logins } = await joinLateLogin();
      expect(b).toMatchObject({ url: expect.stringContaining('/2checkout/myaccount/sso/') });
      expect(logins).toBe(2);
      expect(sent.at(-1)).toMatchObject({
        method: 'getSingleSignOn',
        params: ['session-2', 'SUB-DEMO-1', null, 10, null, null],
      });
    });

    it('still holds the caller that started it to its own deadline, naming the configured timeout', async () => {
      const { a, aWaitedForLogin } = await joinLateLogin();
      // About the 30 ms A had left, far from the login's own 1 s.
      expect(aWaitedForLogin).toBeLessThan(500);
      expect(a).toBeInstanceOf(ProviderTimeoutError);
      expect((a as Error).message).toBe('2Checkout did not answer within 1000 ms.');
    });
  });

  it('times out with a 504', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const err = await createTwoCheckoutClient(config(), { fetch: hang, timeoutMs: 20 })
      .singleSignOn({ subscriptionReference: 'SUB-DEMO-1', validityTime: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err).toMatchObject({ status: 504, code: 'provider_timeout' });
  });
});
