import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createSandbox,
  OKEPAY_DEMO,
  OKEPAY_SECOND,
  SECOND_MERCHANT,
  SandboxConnectionReset,
} from './index.ts';

const sandboxSecond = () => SECOND_MERCHANT;

const sign = (body: string) => createHmac('sha256', OKEPAY_DEMO.secret).update(body).digest('base64');

function okePayRequest(base: string, userId = 1001, init: RequestInit = {}): Request {
  const body = new URLSearchParams({ userId: String(userId), ApiSignature: sign(`userId=${userId}`) });
  return new Request(`${base}/v1.0/AuthToken/?instance=${OKEPAY_DEMO.instance}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    ...init,
  });
}

describe('createSandbox', () => {
  it('serves a second merchant per provider, with its own secrets, under /merchants/second/', async () => {
    const sandbox = createSandbox({ baseUrl: 'http://sandbox.test' });
    const second = sandbox.merchants.second!.urls;
    expect(second.okepayApiBase).toBe('http://sandbox.test/merchants/second/okepay/api');
    const signed = (secret: string, instance: string) =>
      new Request(`${second.okepayApiBase}/v1.0/AuthToken/?instance=${instance}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          userId: '1001',
          ApiSignature: createHmac('sha256', secret).update('userId=1001').digest('base64'),
        }),
      });
    // The first merchant's instance and secret open nothing there.
    expect((await sandbox.fetch(signed(OKEPAY_DEMO.secret, OKEPAY_DEMO.instance))).status).toBe(403);
    expect((await sandbox.fetch(signed(OKEPAY_DEMO.secret, OKEPAY_SECOND.instance))).status).toBe(403);
    const own = await sandbox.fetch(signed(OKEPAY_SECOND.secret, OKEPAY_SECOND.instance));
    expect(own.status).toBe(200);
    const { data } = (await own.json()) as { data: Array<{ link: string }> };
    expect(data[0]!.link).toMatch(/^http:\/\/sandbox\.test\/merchants\/second\/okepay\/portal\/second\//);
    // And its own secret opens nothing at the first merchant.
    const atFirst = new Request(
      signed(OKEPAY_SECOND.secret, OKEPAY_SECOND.instance).url.replace('/merchants/second', ''),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          userId: '1001',
          ApiSignature: createHmac('sha256', OKEPAY_SECOND.secret).update('userId=1001').digest('base64'),
        }),
      },
    );
    expect((await sandbox.fetch(atFirst)).status).toBe(403);
    expect(() => createSandbox({ merchants: { 'Bad Name': sandboxSecond() } })).toThrow(/merchant name/);
  });

  it('derives the provider URLs from the base URL', () => {
    const sandbox = createSandbox({ baseUrl: 'http://127.0.0.1:9999/' });
    expect(sandbox.baseUrl).toBe('http://127.0.0.1:9999');
    expect(sandbox.urls).toEqual({
      okepayApiBase: 'http://127.0.0.1:9999/okepay/api',
      twocheckoutApiUrl: 'http://127.0.0.1:9999/2checkout/api/rpc/6.0/',
      paybisApiUrl: 'http://127.0.0.1:9999/paybis/api',
      paybisWidgetUrl: 'http://127.0.0.1:9999/paybis/widget',
    });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createSandbox({ baseUrl: 'ftp://x' })).toThrow(/http\(s\)/);
    expect(() => createSandbox({ baseUrl: 'not a url' })).toThrow(/absolute/);
  });

  it('routes by provider prefix and serves an index page', async () => {
    const sandbox = createSandbox();
    const index = await sandbox.fetch(new Request(`${sandbox.baseUrl}/`));
    expect(index.status).toBe(200);
    expect(await index.text()).toContain(sandbox.urls.okepayApiBase);

    const okepay = await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase));
    expect(okepay.status).toBe(200);
    expect(((await okepay.json()) as { status: string }).status).toBe('success');

    // Each provider answers its own unknown paths in its own way; the sandbox 404s outside them.
    const rpc = await sandbox.fetch(
      new Request(sandbox.urls.twocheckoutApiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'login',
          params: ['X', '2020-01-01 00:00:00', 'bad'],
          id: 7,
        }),
      }),
    );
    expect(((await rpc.json()) as { id: unknown }).id).toBe(7);
    const missing = await sandbox.fetch(new Request(`${sandbox.baseUrl}/nowhere`));
    expect(missing.status).toBe(404);
  });

  it('honours a path in the base URL', async () => {
    const sandbox = createSandbox({ baseUrl: 'http://localhost:6006/sandbox' });
    expect(sandbox.urls.okepayApiBase).toBe('http://localhost:6006/sandbox/okepay/api');
    const res = await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase));
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Array<{ link: string }> };
    expect(data[0]!.link.startsWith('http://localhost:6006/sandbox/okepay/portal/demo/?login-token=')).toBe(
      true,
    );
  });
});

describe('faults', () => {
  it('are read and replaced through /_sandbox/faults, with validation', async () => {
    const sandbox = createSandbox();
    const url = `${sandbox.baseUrl}/_sandbox/faults`;
    expect(await (await sandbox.fetch(new Request(url))).json()).toEqual({});

    const set = await sandbox.fetch(
      new Request(url, {
        method: 'POST',
        body: JSON.stringify({ errorRate: 1, errorStatus: 503, providers: ['okepay'] }),
      }),
    );
    expect(set.status).toBe(200);
    expect(sandbox.getFaults()).toEqual({ errorRate: 1, errorStatus: 503, providers: ['okepay'] });

    for (const bad of [
      { errorRate: 2 },
      { latencyMs: -1 },
      { providers: ['stripe'] },
      { surprise: true },
      [1],
    ]) {
      const res = await sandbox.fetch(new Request(url, { method: 'POST', body: JSON.stringify(bad) }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/\w/);
    }
    const notJson = await sandbox.fetch(new Request(url, { method: 'POST', body: '{' }));
    expect(notJson.status).toBe(400);
    expect(sandbox.getFaults()).toEqual({ errorRate: 1, errorStatus: 503, providers: ['okepay'] });
    expect(() => sandbox.setFaults({ resetRate: -0.5 })).toThrow(/resetRate/);
  });

  it('inject errors in the provider error shape, only on APIs', async () => {
    const sandbox = createSandbox({ faults: { errorRate: 1, errorStatus: 503 } });
    const res = await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', message: expect.stringContaining('Injected') });

    const rpc = await sandbox.fetch(
      new Request(sandbox.urls.twocheckoutApiUrl, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 3 }),
      }),
    );
    expect(rpc.status).toBe(503);
    expect(await rpc.json()).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32000 } });

    // Hosted pages are never faulted.
    const portal = await sandbox.fetch(new Request(`${sandbox.baseUrl}/okepay/portal/demo/`));
    expect(portal.status).toBe(401);
  });

  it('limit injected faults to the named providers', async () => {
    const sandbox = createSandbox({ faults: { errorRate: 1, providers: ['paybis'] } });
    const res = await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase));
    expect(res.status).toBe(200);
  });

  it('answer 200 with a body that is not JSON', async () => {
    const sandbox = createSandbox({ faults: { malformedRate: 1 } });
    const res = await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('drop the connection: the fetch rejects', async () => {
    const sandbox = createSandbox({ faults: { resetRate: 1 } });
    await expect(sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase))).rejects.toBeInstanceOf(
      SandboxConnectionReset,
    );
  });

  it('use the injected random source for rates', async () => {
    const rolls = [0.7, 0.2];
    const sandbox = createSandbox({ faults: { errorRate: 0.5 }, random: () => rolls.shift() ?? 0.9 });
    expect((await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase))).status).toBe(200);
    expect((await sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase))).status).toBe(500);
  });

  it('add latency, and a caller abort cuts it short', async () => {
    const sandbox = createSandbox({ faults: { latencyMs: 60_000 } });
    const controller = new AbortController();
    const pending = sandbox.fetch(
      okePayRequest(sandbox.urls.okepayApiBase, 1001, { signal: controller.signal }),
    );
    controller.abort(new DOMException('gave up', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('delay the answer by the configured latency', async () => {
    let now = 0;
    const sandbox = createSandbox({ faults: { latencyMs: 30 }, now: () => now });
    let settled = false;
    const pending = sandbox.fetch(okePayRequest(sandbox.urls.okepayApiBase)).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(settled).toBe(false);
    now = 1;
    expect((await pending).status).toBe(200);
    expect(settled).toBe(true);
  });
});
