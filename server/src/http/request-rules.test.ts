import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, OKEPAY_DEMO } from '@handoff/sandbox';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import { startServer, type RunningServer } from '../node.ts';
import { openStore, type SqlStore } from '../store/index.ts';

/**
 * The shared request rules over a real socket (the Node adapter's own request and response
 * objects, not in-process `Request`s): security and CORS headers on every kind of answer,
 * preflights, body size and JSON bodies.
 */

const SHOP = 'https://shop.example';
let store: SqlStore;
let server: RunningServer;
let signedIn = true;

beforeAll(async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const sandbox = createSandbox({ baseUrl: 'http://sandbox.test' });
  const config = loadConfig({
    HANDOFF_LOG_LEVEL: 'silent',
    HANDOFF_CORS_ORIGINS: SHOP,
    HANDOFF_OKEPAY_INSTANCE: OKEPAY_DEMO.instance,
    HANDOFF_OKEPAY_SECRET: OKEPAY_DEMO.secret,
    HANDOFF_OKEPAY_API_BASE: sandbox.urls.okepayApiBase,
  });
  server = await startServer(
    { ...config, port: 0, host: '127.0.0.1' },
    {
      store,
      logger: silentLogger,
      identify: () => (signedIn ? { id: 'c1', okepayContactId: 1001 } : null),
      fetch: (input, init) => sandbox.fetch(new Request(input, init)),
    },
  );
});

afterAll(async () => {
  await server.close();
  await store.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; `body` as an array is sent in chunks without a Content-Length. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | string[],
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=15552000; includeSubDomains',
    'cross-origin-opener-policy': 'same-origin',
    'x-permitted-cross-domain-policies': 'none',
  });
  expect(answer.headers['cross-origin-resource-policy']).toBeUndefined();
}

describe('request rules over a socket', () => {
  it('answers an allowed origin with CORS and security headers, and the route’s own', async () => {
    const answer = await send('POST', '/v1/okepay/login-link', { ...json, origin: SHOP }, '{}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ url: expect.any(String) });
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': SHOP,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
      'cache-control': 'no-store',
      'content-type': 'application/json',
    });
    expectSecurityHeaders(answer);
  });

  it('does not allow other origins, and keeps the CORS headers on errors', async () => {
    signedIn = false;
    try {
      const other = await send(
        'POST',
        '/v1/okepay/login-link',
        { ...json, origin: 'https://evil.example' },
        '{}',
      );
      expect(other.status).toBe(401);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers.vary).toBe('Origin');

      const mine = await send('POST', '/v1/okepay/login-link', { ...json, origin: SHOP }, '{}');
      expect(mine.status).toBe(401);
      expect(mine.headers['access-control-allow-origin']).toBe(SHOP);
      expect(JSON.parse(mine.body)).toMatchObject({ error: { code: 'unauthorized' } });
      expectSecurityHeaders(mine);
    } finally {
      signedIn = true;
    }
  });

  it('answers preflights itself with 204', async () => {
    const answer = await send('OPTIONS', '/v1/okepay/login-link', {
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    });
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': SHOP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,POST,OPTIONS',
      'access-control-allow-headers': 'Authorization,Content-Type',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers',
    });
    expect(answer.headers['content-type']).toBeUndefined();
    expectSecurityHeaders(answer);
  });

  it('sends no CORS headers outside /v1', async () => {
    const answer = await send('GET', '/healthz', { origin: SHOP });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expectSecurityHeaders(answer);
  });

  it('refuses bodies over 16 KiB, declared or streamed', async () => {
    const big = ' '.repeat(17_000);
    const declared = await send(
      'POST',
      '/v1/okepay/login-link',
      { ...json, 'content-length': '17002' },
      `{${big}}`,
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    const streamed = await send('POST', '/v1/okepay/login-link', json, ['{', big, '}']);
    expect(streamed.status).toBe(413);
    // A streamed body within the limit is read and validated as usual.
    const small = await send('POST', '/v1/okepay/login-link', json, ['{', '  ', '}']);
    expect(small.status).toBe(200);
  });

  it('refuses a POST body that is not JSON, and takes a POST without a body', async () => {
    const text = await send('POST', '/v1/okepay/login-link', { 'content-type': 'text/plain' }, 'hi');
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body)).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const streamedText = await send('POST', '/v1/okepay/login-link', { 'content-type': 'text/plain' }, [
      'h',
      'i',
    ]);
    expect(streamedText.status).toBe(415);
    const empty = await send('POST', '/v1/okepay/login-link', { 'content-length': '0' });
    expect(empty.status).toBe(200);
  });

  it('refuses a PUT or DELETE body that is not JSON too', async () => {
    // Node's client frames a DELETE body only when told its length.
    const headers = { 'content-type': 'text/plain', 'content-length': '2' };
    for (const method of ['PUT', 'DELETE']) {
      const text = await send(method, '/v1/accounts/default/connections/okepay', headers, 'hi');
      expect(text.status, method).toBe(415);
    }
  });

  it('validates a JSON body read straight from the socket', async () => {
    const answer = await send('POST', '/v1/okepay/login-link', json, '{"contactId":5}');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'bad_request' } });
  });
});
