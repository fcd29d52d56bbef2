import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandoffClient, isHttpUrl, type HandoffClientOptions } from './client.ts';
import {
  HandoffAbortError,
  HandoffAuthError,
  HandoffError,
  HandoffNetworkError,
  HandoffProviderError,
} from './errors.ts';

const BASE = 'https://handoff.test';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const link = { url: 'https://demo.okepay.info/portal?token=abc', expiresAt: '2026-01-01T00:00:00.000Z' };

function client(auth: HandoffClientOptions['auth'] = { token: 'hc_customer' }) {
  return createHandoffClient({ url: BASE, auth });
}

/** Answers one route with `body` and `status`, recording what the browser sent. */
function answer(method: 'get' | 'post', path: string, body: unknown, status = 200) {
  const seen: Request[] = [];
  server.use(
    http[method](`${BASE}${path}`, ({ request }) => {
      seen.push(request.clone());
      return HttpResponse.json(body as Record<string, unknown>, { status });
    }),
  );
  return seen;
}

describe('createHandoffClient requests', () => {
  it('asks for an OkePay login link with the customer token and returns it', async () => {
    const seen = answer('post', '/v1/okepay/login-link', link);
    await expect(client().okepayLoginLink()).resolves.toEqual(link);
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.headers.get('authorization')).toBe('Bearer hc_customer');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(await request.json()).toEqual({});
  });

  it('sends the 2Checkout request body as given', async () => {
    const seen = answer('post', '/v1/2checkout/sso', link);
    const request = { subscriptionReference: 'SUB-1', accessPage: 'change_card', validityTime: 60 } as const;
    await expect(client().twocheckoutSso(request)).resolves.toEqual(link);
    expect(await seen[0]!.json()).toEqual(request);
  });

  it('validates the Paybis session shape', async () => {
    const session = {
      requestId: 'req-1',
      oneTimeToken: 'ott',
      widgetUrl: 'https://widget.paybis.test/?requestId=req-1',
      scriptUrl: 'https://widget.paybis.test/partner-exchange-widget.js',
      expiresAt: '2026-01-01T00:00:00.000Z',
    };
    answer('post', '/v1/paybis/session', session);
    await expect(client().paybisSession({ flow: 'buyCrypto' })).resolves.toEqual(session);

    answer('post', '/v1/paybis/session', { ...session, scriptUrl: 'javascript:alert(1)' });
    await expect(client().paybisSession({})).rejects.toBeInstanceOf(HandoffNetworkError);
  });

  it('reads /v1/me with GET and no body', async () => {
    const me = { customer: { id: 'c1' }, providers: { okepay: true, '2checkout': null, paybis: null } };
    const seen = answer('get', '/v1/me', me);
    await expect(client().me()).resolves.toEqual(me);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.headers.get('content-type')).toBeNull();
  });

  it('calls getToken before every request, awaiting a promise', async () => {
    const seen = answer('post', '/v1/okepay/login-link', link);
    let n = 0;
    const getToken = vi.fn(async () => `hc_token${++n}`);
    const c = client({ getToken });
    await c.okepayLoginLink();
    await c.okepayLoginLink();
    expect(seen.map((r) => r.headers.get('authorization'))).toEqual(['Bearer hc_token1', 'Bearer hc_token2']);
  });

  it('with getToken, tells whether an answer was fetched for the customer signed in now', async () => {
    answer('post', '/v1/okepay/login-link', link);
    let token: unknown = 'hc_alice';
    const c = client({ getToken: () => token as string });
    const fetched = await c.okepayLoginLink();
    await expect(c.isCurrent!(fetched)).resolves.toBe(true);
    token = 'hc_bob';
    await expect(c.isCurrent!(fetched)).resolves.toBe(false);
    token = Promise.reject(new Error('signed out'));
    (token as Promise<string>).catch(() => {});
    await expect(c.isCurrent!(fetched)).resolves.toBe(false);
    token = 'hc_alice';
    await expect(c.isCurrent!({ ...fetched })).resolves.toBe(false);
    // A fixed token means a new client for another customer; cookies cannot be told apart.
    expect(client().isCurrent).toBeUndefined();
    expect(client({ credentials: 'include' }).isCurrent).toBeUndefined();
  });

  it('sends cookies and no Authorization header in embedded mode', async () => {
    const fetchSpy = vi.fn(async () => HttpResponse.json(link));
    const c = createHandoffClient({ url: '/handoff/', auth: { credentials: 'include' }, fetch: fetchSpy });
    await c.okepayLoginLink();
    const [input, init] = fetchSpy.mock.calls[0] as unknown as [string, RequestInit];
    expect(input).toBe('/handoff/v1/okepay/login-link');
    expect(init.credentials).toBe('include');
    expect(init.headers).not.toHaveProperty('Authorization');
  });

  it('does not send cookies cross-origin with a token', async () => {
    const fetchSpy = vi.fn(async () => HttpResponse.json(link));
    await createHandoffClient({ url: BASE, auth: { token: 'hc_x' }, fetch: fetchSpy }).okepayLoginLink();
    const [, init] = fetchSpy.mock.calls[0] as unknown as [string, RequestInit];
    // Not `include`: fetch's default (`same-origin`) sends no cookies to another origin.
    expect(init.credentials).toBeUndefined();
  });
});

describe('createHandoffClient errors', () => {
  const cases = [
    [401, 'unauthorized', HandoffAuthError],
    [502, 'provider_error', HandoffProviderError],
    [504, 'provider_timeout', HandoffProviderError],
    [400, 'bad_request', HandoffError],
    [403, 'forbidden', HandoffError],
    [429, 'rate_limited', HandoffError],
  ] as const;

  it.each(cases)('maps %i to %s with the matching class', async (status, code, Class) => {
    answer('post', '/v1/okepay/login-link', { error: { code, message: `server says ${code}` } }, status);
    const error = await client()
      .okepayLoginLink()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toMatchObject({ code, status, message: `server says ${code}` });
    if (Class === HandoffError) {
      expect(error).not.toBeInstanceOf(HandoffAuthError);
      expect(error).not.toBeInstanceOf(HandoffProviderError);
    }
  });

  it('reports a non-JSON error page as a network error with its status', async () => {
    server.use(
      http.post(
        `${BASE}/v1/okepay/login-link`,
        () => new HttpResponse('<h1>Bad gateway</h1>', { status: 502 }),
      ),
    );
    const error = await client()
      .okepayLoginLink()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffNetworkError);
    expect(error).toMatchObject({ code: 'network_error', status: 502 });
  });

  it('reports a JSON error without the error shape as a network error', async () => {
    answer('post', '/v1/okepay/login-link', { message: 'nope' }, 500);
    await expect(client().okepayLoginLink()).rejects.toMatchObject({ code: 'network_error', status: 500 });
  });

  it('reports a 200 that is not JSON as a network error', async () => {
    server.use(http.post(`${BASE}/v1/okepay/login-link`, () => new HttpResponse('ok', { status: 200 })));
    await expect(client().okepayLoginLink()).rejects.toBeInstanceOf(HandoffNetworkError);
  });

  it('reports an unreachable backend as a network error', async () => {
    server.use(http.post(`${BASE}/v1/okepay/login-link`, () => HttpResponse.error()));
    const error = await client()
      .okepayLoginLink()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffNetworkError);
    expect(error).toMatchObject({
      status: undefined,
      message: 'Handoff: no usable answer from /v1/okepay/login-link.',
    });
  });

  it.each(['javascript:alert(document.cookie)', 'data:text/html,hi', '/relative', 42])(
    'refuses a link whose url is %s',
    async (url) => {
      answer('post', '/v1/okepay/login-link', { url, expiresAt: link.expiresAt });
      await expect(client().okepayLoginLink()).rejects.toBeInstanceOf(HandoffNetworkError);
    },
  );

  it('rejects with HandoffAbortError when aborted in flight', async () => {
    server.use(
      http.post(`${BASE}/v1/okepay/login-link`, async () => {
        await delay('infinite');
        return HttpResponse.json(link);
      }),
    );
    const controller = new AbortController();
    const pending = client().okepayLoginLink({ signal: controller.signal });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffAbortError);
    expect(error).toMatchObject({ code: 'aborted' });
  });

  it('gives up on a backend that never answers, after timeoutMs, with a network error', async () => {
    server.use(
      http.post(`${BASE}/v1/okepay/login-link`, async () => {
        await delay('infinite');
        return HttpResponse.json(link);
      }),
    );
    const hung = createHandoffClient({ url: BASE, auth: { token: 'hc_customer' }, timeoutMs: 50 });
    const error = await hung.okepayLoginLink().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffNetworkError);
    expect((error as HandoffNetworkError).cause).toMatchObject({ name: 'TimeoutError' });
  });

  it('still reports a caller abort as an abort while the deadline runs', async () => {
    server.use(
      http.post(`${BASE}/v1/okepay/login-link`, async () => {
        await delay('infinite');
        return HttpResponse.json(link);
      }),
    );
    const controller = new AbortController();
    const slow = createHandoffClient({ url: BASE, auth: { token: 'hc_customer' }, timeoutMs: 60_000 });
    const pending = slow.okepayLoginLink({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(HandoffAbortError);
  });

  it('keeps both the deadline and the caller’s signal where AbortSignal.any is missing', async () => {
    server.use(
      http.post(`${BASE}/v1/okepay/login-link`, async () => {
        await delay('infinite');
        return HttpResponse.json(link);
      }),
    );
    const any = Object.getOwnPropertyDescriptor(AbortSignal, 'any')!;
    // As in Safari before 17.4.
    Object.defineProperty(AbortSignal, 'any', { ...any, value: undefined });
    try {
      const hung = createHandoffClient({ url: BASE, auth: { token: 'hc_customer' }, timeoutMs: 50 });
      const outcome = await Promise.race([
        hung.okepayLoginLink({ signal: new AbortController().signal }).catch((e: unknown) => e),
        new Promise((resolve) => setTimeout(resolve, 2_000, 'still waiting')),
      ]);
      expect(outcome).toBeInstanceOf(HandoffNetworkError);

      const slow = createHandoffClient({ url: BASE, auth: { token: 'hc_customer' }, timeoutMs: 60_000 });
      const controller = new AbortController();
      const pending = slow.okepayLoginLink({ signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(HandoffAbortError);
    } finally {
      Object.defineProperty(AbortSignal, 'any', any);
    }
  });

  it('does not send a request when the signal is already aborted', async () => {
    const seen = answer('post', '/v1/okepay/login-link', link);
    const controller = new AbortController();
    controller.abort();
    await expect(client().okepayLoginLink({ signal: controller.signal })).rejects.toBeInstanceOf(
      HandoffAbortError,
    );
    expect(seen).toHaveLength(0);
  });

  it('turns a failing or empty getToken into an auth error without calling the backend', async () => {
    // A token of the wrong shape would otherwise reach the backend as a malformed header.
    const seen = answer('post', '/v1/okepay/login-link', link);
    const failing = client({
      getToken: () => {
        throw new Error('session gone');
      },
    });
    const error = await failing.okepayLoginLink().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandoffAuthError);
    expect((error as Error).cause).toEqual(new Error('session gone'));
    await expect(client({ getToken: () => '' }).okepayLoginLink()).rejects.toBeInstanceOf(HandoffAuthError);
    await expect(client({ getToken: () => 'a b' }).okepayLoginLink()).rejects.toBeInstanceOf(
      HandoffAuthError,
    );
    expect(seen).toHaveLength(0);
  });
});

describe('createHandoffClient options', () => {
  it.each(['javascript:alert(1)', 'example.com', '//evil.test', '', undefined])('refuses url %s', (url) => {
    expect(() => createHandoffClient({ url: url as string, auth: { token: 'hc_x' } })).toThrow(
      /`url` must be/,
    );
  });

  it.each([
    {},
    { token: '' },
    { token: 'hc_x', getToken: () => 'hc_y' },
    { credentials: 'same-origin' },
    { getToken: 'hc_x' },
    null,
  ])('refuses auth %o', (auth) => {
    expect(() => createHandoffClient({ url: BASE, auth: auth as never })).toThrow(/exactly one of `token`/);
  });

  it('strips trailing slashes from the base URL', async () => {
    const fetchSpy = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => HttpResponse.json(link));
    await createHandoffClient({
      url: `${BASE}/api//`,
      auth: { token: 'hc_x' },
      fetch: fetchSpy,
    }).okepayLoginLink();
    expect(fetchSpy.mock.calls[0]?.[0]).toBe(`${BASE}/api/v1/okepay/login-link`);
  });
});

describe('isHttpUrl', () => {
  it('accepts only absolute http(s) URLs', () => {
    expect(isHttpUrl('https://a.test/x')).toBe(true);
    expect(isHttpUrl('http://127.0.0.1:8787/')).toBe(true);
    expect(isHttpUrl('HTTPS://A.TEST/')).toBe(true);
    expect(isHttpUrl('https:/a.test')).toBe(false);
    expect(isHttpUrl('\thttps://a.test')).toBe(false);
    expect(isHttpUrl('JavaScript:alert(1)')).toBe(false);
    expect(isHttpUrl(' javascript:alert(1)')).toBe(false);
    expect(isHttpUrl('ftp://a.test')).toBe(false);
    expect(isHttpUrl('/path')).toBe(false);
    expect(isHttpUrl(undefined)).toBe(false);
  });
});
