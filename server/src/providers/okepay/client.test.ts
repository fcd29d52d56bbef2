import { createSandbox, OKEPAY_DEMO } from '@handoff/sandbox';
import { describe, expect, it } from 'vitest';
import type { OkePayConfig } from '../../config.ts';
import { ProviderError, ProviderTimeoutError } from '../../errors.ts';
import { createOkePayClient, OKEPAY_DEFAULT_LINK_TTL_MS, parseOkePayExpiry, signOkePay } from './client.ts';

const NOW = new Date('2026-11-22T10:00:00Z');

function withSandbox(overrides: Partial<OkePayConfig> = {}, faults = {}) {
  const sandbox = createSandbox({ baseUrl: 'http://sandbox.test', faults, now: () => NOW.getTime() });
  const requests: Request[] = [];
  const fetchViaSandbox: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return sandbox.fetch(request);
  };
  const config: OkePayConfig = {
    instance: OKEPAY_DEMO.instance,
    secret: OKEPAY_DEMO.secret,
    apiBase: sandbox.urls.okepayApiBase,
    ...overrides,
  };
  const client = createOkePayClient(config, { fetch: fetchViaSandbox, timeoutMs: 200, now: () => NOW });
  return { sandbox, client, requests };
}

function answering(status: number, body: string) {
  const fetchStub: typeof fetch = () => Promise.resolve(new Response(body, { status }));
  return createOkePayClient(
    { instance: 'demo', secret: 'secret', apiBase: 'https://api.okepay.info' },
    { fetch: fetchStub, timeoutMs: 1000, now: () => NOW },
  );
}

describe('signOkePay', () => {
  it('matches both known-answer vectors', () => {
    expect(signOkePay('INSTANCE_API_SECRET', [['userId', 1]])).toBe(
      '5BQ1dO6XolGAnMLvoTK3vDyMvA27cSoarfFK6q9ldg8=',
    );
    expect(
      signOkePay('INSTANCE_API_SECRET', [
        ['userId', 1],
        ['model', 'AuthToken'],
      ]),
    ).toBe('tV+quTWSvS9W7V2MAa5r/74f30cejED+79+CKzjVTX4=');
  });
});

describe('createOkePayClient against the sandbox', () => {
  it('gets a one-time portal link for the contact', async () => {
    const { client, requests, sandbox } = withSandbox();
    const link = await client.createLoginLink(1001);
    expect(link.url).toMatch(/^http:\/\/sandbox\.test\/okepay\/portal\/demo\/\?login-token=[\w-]+$/);
    // The sandbox says 10 minutes without a zone; the client trusts at most the default.
    expect(link.expiresAt).toBe(new Date(NOW.getTime() + OKEPAY_DEFAULT_LINK_TTL_MS).toISOString());

    const [sent] = requests;
    expect(sent!.method).toBe('POST');
    expect(sent!.url).toBe('http://sandbox.test/okepay/api/v1.0/AuthToken/?instance=demo');
    expect(sent!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const body = new URLSearchParams(await sent!.text());
    expect([...body.keys()]).toEqual(['userId', 'ApiSignature']);
    expect(body.get('ApiSignature')).toBe(signOkePay(OKEPAY_DEMO.secret, [['userId', 1001]]));

    const portal = await sandbox.fetch(new Request(link.url));
    expect(portal.status).toBe(303);
  });

  it('reports a wrong secret with the provider message (502)', async () => {
    const { client } = withSandbox({ secret: 'not-the-secret' });
    const err = await client.createLoginLink(1001).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      status: 502,
      code: 'provider_error',
      message: 'OkePay: Instance name or secret is wrong',
    });
  });

  it('reports an unknown contact with the provider message', async () => {
    const { client } = withSandbox();
    await expect(client.createLoginLink(4242)).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('No contact with id 4242'),
    });
  });

  it('times out with 504 when the sandbox is slower than the timeout', async () => {
    const { client } = withSandbox({}, { latencyMs: 5_000 });
    const err = await client.createLoginLink(1001).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err).toMatchObject({ status: 504, code: 'provider_timeout' });
  });

  it('maps a malformed body, an injected error and a reset to 502', async () => {
    await expect(withSandbox({}, { malformedRate: 1 }).client.createLoginLink(1001)).rejects.toMatchObject({
      status: 502,
      message: 'OkePay: answered with a body that is not JSON',
    });
    await expect(
      withSandbox({}, { errorRate: 1, errorStatus: 503 }).client.createLoginLink(1001),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('Injected fault'),
    });
    await expect(withSandbox({}, { resetRate: 1 }).client.createLoginLink(1001)).rejects.toMatchObject({
      status: 502,
      message: 'OkePay: could not be reached',
    });
  });

  it('refuses contact ids that are not positive 32-bit integers before calling out', async () => {
    const { client, requests } = withSandbox();
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      await expect(client.createLoginLink(bad)).rejects.toThrow(TypeError);
    }
    expect(requests).toHaveLength(0);
  });
});

describe('createOkePayClient response parsing', () => {
  it('treats status=error as a refusal even with HTTP 200', async () => {
    await expect(
      answering(200, '{"status":"error","message":"Nope"}').createLoginLink(1),
    ).rejects.toMatchObject({
      message: 'OkePay: Nope',
    });
    await expect(answering(403, '{"status":"error"}').createLoginLink(1)).rejects.toMatchObject({
      message: 'OkePay: refused the request (HTTP 403)',
    });
  });

  it('reports non-2xx answers without the error shape', async () => {
    await expect(answering(500, '<html>oops</html>').createLoginLink(1)).rejects.toMatchObject({
      status: 502,
      message: 'OkePay: answered HTTP 500',
    });
    await expect(
      answering(500, '{"status":"success","data":[{"link":"https://x"}]}').createLoginLink(1),
    ).rejects.toMatchObject({
      message: 'OkePay: answered HTTP 500',
    });
  });

  it('requires a data entry with an http(s) link', async () => {
    for (const body of [
      '{"status":"success","data":[]}',
      '{"status":"success"}',
      '{"status":"success","data":[{"authToken":"t"}]}',
      '[]',
    ]) {
      await expect(answering(200, body).createLoginLink(1)).rejects.toMatchObject({
        message: 'OkePay: answered without a login link',
      });
    }
    const js = '{"status":"success","data":[{"link":"javascript:alert(1)"}]}';
    await expect(answering(200, js).createLoginLink(1)).rejects.toMatchObject({
      message: 'OkePay: answered with a link that is not an http(s) URL',
    });
  });

  it('uses a zoned expiry as given', async () => {
    const body = JSON.stringify({
      status: 'success',
      data: [
        {
          authToken: 't',
          authTokenExpirationDate: '2026-11-22T11:30:00+01:00',
          link: 'https://demo.okepay.info/?login-token=t',
        },
      ],
    });
    expect(await answering(200, body).createLoginLink(1)).toEqual({
      url: 'https://demo.okepay.info/?login-token=t',
      expiresAt: '2026-11-22T10:30:00.000Z',
    });
  });
});

describe('parseOkePayExpiry', () => {
  const fallback = new Date(NOW.getTime() + OKEPAY_DEFAULT_LINK_TTL_MS).toISOString();

  it('reads zoned dates and Unix timestamps', () => {
    expect(parseOkePayExpiry('2026-11-22T10:30:00Z', NOW)).toBe('2026-11-22T10:30:00.000Z');
    expect(parseOkePayExpiry(Date.parse('2026-11-22T10:20:00Z') / 1000, NOW)).toBe(
      '2026-11-22T10:20:00.000Z',
    );
    expect(parseOkePayExpiry(Date.parse('2026-11-22T10:20:00Z'), NOW)).toBe('2026-11-22T10:20:00.000Z');
  });

  it('reads zone-less dates as UTC, capped at the default lifetime', () => {
    expect(parseOkePayExpiry('2026-11-22 10:02:00', NOW)).toBe('2026-11-22T10:02:00.000Z');
    expect(parseOkePayExpiry('2026-11-22 12:00:00', NOW)).toBe(fallback);
  });

  it('falls back for unreadable, past or far-future values', () => {
    for (const value of [
      undefined,
      null,
      '',
      'soon',
      '2026-02-31 10:00:00',
      '2026-11-22 09:00:00',
      '2030-01-01T00:00:00Z',
      {},
    ]) {
      expect(parseOkePayExpiry(value, NOW)).toBe(fallback);
    }
  });
});
