import { expect, it } from 'vitest';
import type { MeResponse } from '@handoff/core';
import { configWithProviders, login, postJson, seedApiUser, testApp } from './test-identity.ts';
import { forEachStore } from '../store/test-stores.ts';

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
}

/** Every documented route guarded by the given security scheme, from the app's own OpenAPI document. */
async function routesWith(app: ReturnType<typeof testApp>, scheme: string) {
  const doc = (await (await app.request('/openapi.json')).json()) as OpenApiDoc;
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.security?.some((s) => scheme in s))
      .map(([method, _op]) => ({ method: method.toUpperCase(), path })),
  );
}

forEachStore('token isolation', ({ open }) => {
  it("customer A's token only ever reaches A; dead tokens and the wrong kind of token are refused", async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const store = await open({ now: () => clock });
    const app = testApp(store, {
      config: configWithProviders({ HANDOFF_LOG_LEVEL: 'silent' }),
      now: () => clock,
    });
    const integration = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['admin'] }),
    );

    const create = async (customer: object, ttlSeconds = 600) => {
      const res = await postJson(app, '/v1/customer-sessions', { customer, ttlSeconds }, integration);
      expect(res.status).toBe(201);
      return ((await res.json()) as { token: string }).token;
    };
    const a = await create({
      id: 'alice',
      email: 'a@example.com',
      okepayContactId: 1,
      twocheckoutSubscriptions: ['A1'],
    });
    const b = await create({
      id: 'bob',
      email: 'b@example.com',
      okepayContactId: 2,
      twocheckoutSubscriptions: ['B1'],
      paybis: true,
    });
    const shortLived = await create({ id: 'carol' }, 60);
    const revoked = await create({ id: 'dave' });
    await store.customerSessions.revoke(revoked);

    const me = (token: string) => app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    const meA = (await (await me(a)).json()) as MeResponse;
    const meB = (await (await me(b)).json()) as MeResponse;
    expect(meA.customer).toEqual({ id: 'alice', email: 'a@example.com' });
    expect(meA.providers['2checkout']).toMatchObject({ subscriptionReferences: ['A1'] });
    expect(meA.providers.paybis).toBeNull();
    expect(meB.customer).toEqual({ id: 'bob', email: 'b@example.com' });
    expect(meB.providers['2checkout']).toMatchObject({ subscriptionReferences: ['B1'] });

    expect((await me(shortLived)).status).toBe(200);
    clock = new Date(clock.getTime() + 60_000);
    expect((await me(shortLived)).status).toBe(401);
    expect((await me(revoked)).status).toBe(401);
    // A token that differs from A's in one character is someone else's or nobody's.
    expect((await me(a.slice(0, -2) + (a.endsWith('AA') ? 'BB' : 'AA'))).status).toBe(401);

    // API session tokens on customer routes, customer tokens on API routes: refused by every route.
    const customerRoutes = await routesWith(app, 'customerToken');
    const sessionRoutes = await routesWith(app, 'sessionToken');
    expect(customerRoutes).toContainEqual({ method: 'GET', path: '/v1/me' });
    expect(sessionRoutes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/v1/customer-sessions' },
        { method: 'GET', path: '/v1/audit' },
        { method: 'POST', path: '/auth/logout' },
      ]),
    );
    for (const { method, path } of customerRoutes) {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${integration}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path} with a session token`).toBe(401);
    }
    for (const { method, path } of sessionRoutes) {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${a}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: JSON.stringify({ customer: { id: 'alice' } }) }),
      });
      expect(res.status, `${method} ${path} with a customer token`).toBe(401);
    }
    // The integration session itself still works.
    expect(
      (await postJson(app, '/v1/customer-sessions', { customer: { id: 'x' } }, integration)).status,
    ).toBe(201);
  });
});
