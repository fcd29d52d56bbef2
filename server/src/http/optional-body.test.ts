import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createSandbox, OKEPAY_DEMO } from '@handoff/sandbox';
import { seedApiUser } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import { startServer, type RunningServer } from '../node.ts';
import { openStore, type SqlStore } from '../store/index.ts';

let server: RunningServer | undefined;
let store: SqlStore | undefined;
afterEach(async () => {
  await server?.close();
  await store?.close();
});

/** One raw HTTP/1.1 POST with neither Content-Length nor Content-Type: no body at all. */
function bareRequest(url: string, path: string, token: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      // Written, not ended: the server answers, then closes (Connection: close).
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

it('accepts a POST without a body or Content-Type where the body is optional', async () => {
  const sandbox = createSandbox({ baseUrl: 'http://sandbox.test' });
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  server = await startServer(
    {
      ...loadConfig({
        HANDOFF_OKEPAY_INSTANCE: OKEPAY_DEMO.instance,
        HANDOFF_OKEPAY_SECRET: OKEPAY_DEMO.secret,
        HANDOFF_OKEPAY_API_BASE: sandbox.urls.okepayApiBase,
        HANDOFF_LOG_LEVEL: 'silent',
      }),
      port: 0,
    },
    { store, logger: silentLogger, fetch: (input, init) => sandbox.fetch(new Request(input, init)) },
  );
  const customer = await store.customerSessions.create({
    accountId: 'default',
    customer: { id: 'demo-customer', okepayContactId: 1001 },
    expiresAt: new Date(Date.now() + 600_000),
  });
  const link = await bareRequest(server.url, '/v1/okepay/login-link', customer.token);
  expect(link).toMatch(/^HTTP\/1\.1 200 /);
  expect(link).toMatch(/"url":"http/);

  const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
  const login = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: user.keyId, apiSecret: user.secret }),
  });
  const { token } = (await login.json()) as { token: string };
  expect(await bareRequest(server.url, '/auth/logout', token)).toMatch(/^HTTP\/1\.1 204 /);
  // The session really ended.
  expect(await bareRequest(server.url, '/auth/logout', token)).toMatch(/^HTTP\/1\.1 401 /);
});
