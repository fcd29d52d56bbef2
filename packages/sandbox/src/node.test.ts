import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxServer, type SandboxServer } from './node.ts';

let server: SandboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startSandboxServer', () => {
  it('listens on a random port and uses the real origin for links', async () => {
    server = await startSandboxServer({ port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.url).not.toBe('http://127.0.0.1:0/');
    expect(`${server.sandbox.baseUrl}/`).toBe(server.url);

    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain(`${server.sandbox.baseUrl}/okepay/api`);

    const faults = await fetch(`${server.url}_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(await faults.json()).toEqual({ errorRate: 1 });
    expect(server.sandbox.getFaults()).toEqual({ errorRate: 1 });
  });

  it('destroys the socket on an injected reset', async () => {
    server = await startSandboxServer({ port: 0, faults: { resetRate: 1 } });
    await expect(
      fetch(`${server.url}okepay/api/v1.0/AuthToken/?instance=demo`, { method: 'POST' }),
    ).rejects.toThrow();
    // Hosted pages stay up.
    expect((await fetch(`${server.url}okepay/portal/demo/`)).status).toBe(401);
  });

  it('passes the socket address as the client IP', async () => {
    server = await startSandboxServer({ port: 0 });
    const res = await fetch(`${server.url}_sandbox/client-ip`);
    expect(await res.json()).toEqual({ ip: '127.0.0.1' });
  });

  it('lets a given clientIp function win over the socket', async () => {
    server = await startSandboxServer({ port: 0, clientIp: (r) => r.headers.get('x-test-ip') });
    const given = await fetch(`${server.url}_sandbox/client-ip`, { headers: { 'x-test-ip': '203.0.113.9' } });
    expect(await given.json()).toEqual({ ip: '203.0.113.9' });
    const fallback = await fetch(`${server.url}_sandbox/client-ip`);
    expect(await fallback.json()).toEqual({ ip: '127.0.0.1' });
  });

  it('refuses a bad port', async () => {
    await expect(startSandboxServer({ port: 70000 })).rejects.toThrow(/port/);
  });
});
