import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, OKEPAY_DEMO } from './index.ts';
import { createSandboxMswServer, OKEPAY_API_HOSTS } from './msw-node.ts';

const sandbox = createSandbox({ baseUrl: 'http://sandbox.test' });
const server = createSandboxMswServer(sandbox);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => sandbox.setFaults({}));
afterAll(() => server.close());

function authTokenInit(userId = 1001): RequestInit {
  const params = `userId=${userId}`;
  const signature = createHmac('sha256', OKEPAY_DEMO.secret).update(params).digest('base64');
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${params}&ApiSignature=${encodeURIComponent(signature)}`,
  };
}

describe('sandbox MSW handlers (node)', () => {
  it('send the real OkePay host to the sandbox, and the returned link works', async () => {
    const res = await fetch('https://api.okepay.info/v1.0/AuthToken/?instance=demo', authTokenInit());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ link: string }> };
    const link = body.data[0]!.link;
    expect(link.startsWith('http://sandbox.test/okepay/portal/demo/?login-token=')).toBe(true);

    const portal = await fetch(link, { redirect: 'manual' });
    expect(portal.status).toBe(303);
  });

  it('cover the white-label OkePay domains', async () => {
    for (const origin of OKEPAY_API_HOSTS) {
      const res = await fetch(`${origin}/v1/AuthToken/0/?instance=demo`, authTokenInit(1002));
      expect(res.status).toBe(200);
    }
  });

  it('send 2Checkout and Paybis hosts to their simulators', async () => {
    const rpc = await fetch('https://api.2checkout.com/rpc/6.0/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'login',
        params: ['NOPE', '2020-01-01 00:00:00', 'x'],
        id: 1,
      }),
    });
    expect(((await rpc.json()) as { jsonrpc: string }).jsonrpc).toBe('2.0');
    const script = await fetch('https://widget.sandbox.paybis.com/partner-exchange-widget.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('PartnerExchangeWidget');
  });

  it('turn an injected reset into a network error, and pass provider errors through', async () => {
    sandbox.setFaults({ resetRate: 1 });
    await expect(
      fetch('https://api.okepay.info/v1.0/AuthToken/?instance=demo', authTokenInit()),
    ).rejects.toThrow();
    sandbox.setFaults({ errorRate: 1, errorStatus: 502 });
    const res = await fetch('https://api.okepay.info/v1.0/AuthToken/?instance=demo', authTokenInit());
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ status: 'error' });
  });
});
