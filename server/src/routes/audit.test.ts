import { expect, it } from 'vitest';
import { login, seedApiUser, testApp } from '../auth/test-identity.ts';
import { forEachStore } from '../store/test-stores.ts';

interface Page {
  entries: { id: number; action: string; accountId: string | null }[];
  nextBefore: number | null;
}

forEachStore('GET /v1/audit', ({ open }) => {
  it("lists only the caller's accounts' entries, newest first, page by page", async () => {
    const store = await open();
    const app = testApp(store);
    const auditor = await seedApiUser(store, {
      email: 'aud@example.com',
      accountId: 'acme',
      roles: ['auditor'],
    });
    await store.accounts.create({ id: 'rival', name: 'Rival' });
    for (let i = 0; i < 5; i++)
      await store.audit.record({ action: `acme.${i}`, outcome: 'success', accountId: 'acme' });
    await store.audit.record({ action: 'rival.secret', outcome: 'success', accountId: 'rival' });
    await store.audit.record({ action: 'no.account', outcome: 'failure' });
    const token = await login(app, auditor);
    const get = (query: string) =>
      app.request(`/v1/audit${query}`, { headers: { authorization: `Bearer ${token}` } });

    const first = await get('?limit=3');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as Page;
    // The newest entry is this login itself.
    expect(page1.entries.map((e) => e.action)).toEqual(['auth.login', 'acme.4', 'acme.3']);
    expect(page1.nextBefore).toBe(page1.entries[2]!.id);
    const page2 = (await (await get(`?limit=3&before=${page1.nextBefore}`)).json()) as Page;
    expect(page2.entries.map((e) => e.action)).toEqual(['acme.2', 'acme.1', 'acme.0']);
    const page3 = (await (await get(`?limit=3&before=${page2.nextBefore}`)).json()) as Page;
    expect(page3).toEqual({ entries: [], nextBefore: null });

    const all = (await (await get('?limit=200')).json()) as Page;
    expect(all.entries.every((e) => e.accountId === 'acme')).toBe(true);
    expect(all.nextBefore).toBeNull();

    expect((await get('?accountId=rival')).status).toBe(403);
    expect((await get('?limit=0')).status).toBe(400);
    expect((await get('?limit=abc')).status).toBe(400);
    expect((await get('?before=-1')).status).toBe(400);
    // Past what a JavaScript number names exactly (zod's int() is a safe integer).
    expect((await get('?before=1e300')).status).toBe(400);
    expect((await get('?before=9007199254740993')).status).toBe(400);
    expect((await get(`?before=${Number.MAX_SAFE_INTEGER}`)).status).toBe(200);
  });

  it('requires audit:read', async () => {
    const store = await open();
    const app = testApp(store);
    const integration = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] }),
    );
    const res = await app.request('/v1/audit', { headers: { authorization: `Bearer ${integration}` } });
    expect(res.status).toBe(403);
    expect((await app.request('/v1/audit')).status).toBe(401);
  });
});

forEachStore('GET /v1/audit and API key ids', ({ open }) => {
  it('shows a login’s key id to account managers only, and is never cached', async () => {
    const store = await open();
    const app = testApp(store);
    const auditor = await seedApiUser(store, { email: 'aud@example.com', roles: ['auditor'] });
    const admin = await seedApiUser(store, { email: 'admin@example.com', roles: ['admin'] });
    const auditorToken = await login(app, auditor);
    const adminToken = await login(app, admin);
    const details = async (token: string) => {
      const res = await app.request('/v1/audit?limit=200', { headers: { authorization: `Bearer ${token}` } });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = (await res.json()) as { entries: { action: string; detail: string | null }[] };
      return page.entries.filter((e) => e.action === 'auth.login').map((e) => e.detail);
    };
    expect(await details(auditorToken)).toEqual([null, null]);
    expect(await details(adminToken)).toEqual([admin.keyId, auditor.keyId]);
  });
});
