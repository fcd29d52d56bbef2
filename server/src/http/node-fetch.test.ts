import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch, ExchangeTimeoutError, textExchangeOf } from './node-fetch.ts';

let server: Server;
let base: string;
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      if (req.url === '/reset') return void req.socket.destroy();
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' });
        return void res.end();
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
      res.end(JSON.stringify({ ok: true, echo: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const nodeFetch = createNodeFetch();

describe('createNodeFetch', () => {
  it('sends method, headers and a string body with its length, and reads status, headers and body', async () => {
    const res = await nodeFetch(`${base}/echo?x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer k' },
      body: '{"a":"é"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(await res.json()).toEqual({ ok: true, echo: '{"a":"é"}' });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/echo?x=1', body: '{"a":"é"}' });
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(last.headers.authorization).toBe('Bearer k');
  });

  it('form-encodes URLSearchParams bodies', async () => {
    await nodeFetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ userId: '1', s: 'a b' }) });
    const last = seen.at(-1)!;
    expect(last.body).toBe('userId=1&s=a+b');
    expect(last.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('rejects with the signal’s reason when aborted by a timeout', async () => {
    const signal = AbortSignal.timeout(50);
    await expect(nodeFetch(`${base}/slow`, { signal })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(signal.aborted).toBe(true);
  });

  it('rejects like fetch when the connection is reset', async () => {
    await expect(nodeFetch(`${base}/reset`)).rejects.toThrow(TypeError);
  });

  it('returns a redirect as it is, without following it', async () => {
    const res = await nodeFetch(`${base}/redirect`);
    expect(res.status).toBe(302);
    expect(seen.at(-1)!.url).toBe('/redirect');
  });

  it('refuses protocols other than http and https', async () => {
    await expect(nodeFetch('file:///etc/passwd')).rejects.toThrow(/Unsupported protocol/);
  });
});

describe('the text exchange of createNodeFetch', () => {
  const exchange = textExchangeOf(nodeFetch)!;

  it('is attached to the fetch it makes, and not to other fetches', () => {
    expect(typeof exchange).toBe('function');
    expect(textExchangeOf(fetch)).toBeUndefined();
  });

  it('sends method, headers and the body with its length, and reads status and body text', async () => {
    const res = await exchange(`${base}/echo?y=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer k' },
      body: '{"a":"é"}',
      timeoutMs: 5_000,
    });
    expect(res).toEqual({ status: 201, text: JSON.stringify({ ok: true, echo: '{"a":"é"}' }) });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/echo?y=2', body: '{"a":"é"}' });
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(last.headers.authorization).toBe('Bearer k');
  });

  it('fails with a timeout error when the whole answer takes longer than timeoutMs', async () => {
    await expect(
      exchange(`${base}/slow`, { method: 'GET', headers: {}, timeoutMs: 50 }),
    ).rejects.toBeInstanceOf(ExchangeTimeoutError);
  });

  it('fails when the connection is reset, and returns a redirect as it is', async () => {
    await expect(
      exchange(`${base}/reset`, { method: 'GET', headers: {}, timeoutMs: 5_000 }),
    ).rejects.toThrow();
    const res = await exchange(`${base}/redirect`, { method: 'GET', headers: {}, timeoutMs: 5_000 });
    expect(res.status).toBe(302);
    expect(seen.at(-1)!.url).toBe('/redirect');
  });

  it('refuses protocols other than http and https', async () => {
    await expect(
      exchange('file:///etc/passwd', { method: 'GET', headers: {}, timeoutMs: 5_000 }),
    ).rejects.toThrow(/Unsupported protocol/);
  });
});
