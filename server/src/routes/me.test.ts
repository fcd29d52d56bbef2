import { expect, it } from 'vitest';
import type { MeResponse } from '@handoff/core';
import { configWithProviders, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { forEachStore } from '../store/test-stores.ts';

const later = () => new Date(Date.now() + 600_000);

forEachStore('GET /v1/me', ({ open }) => {
  it('shows each configured provider the customer can use', async () => {
    const store = await open();
    const app = testApp(store, { config: configWithProviders() });
    const { token } = await store.customerSessions.create({
      accountId: 'default',
      customer: {
        id: 'c1',
        email: 'c1@example.com',
        okepayContactId: 7,
        twocheckoutSubscriptions: ['S1'],
        paybis: true,
      },
      expiresAt: later(),
    });
    const res = await app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      customer: { id: 'c1', email: 'c1@example.com' },
      providers: {
        okepay: true,
        '2checkout': { subscriptionReferences: ['S1'] },
        paybis: { scriptUrl: 'https://widget.paybis.test/partner-exchange-widget.js' },
      },
    } satisfies MeResponse);
  });

  it('hides providers the customer has nothing for, or that are not configured', async () => {
    const store = await open();
    const bare = await store.customerSessions.create({
      accountId: 'default',
      customer: { id: 'c2' },
      expiresAt: later(),
    });
    const full = await store.customerSessions.create({
      accountId: 'default',
      customer: { id: 'c3', okepayContactId: 7, twocheckoutSubscriptions: ['S1'], paybis: true },
      expiresAt: later(),
    });
    const configured = testApp(store, { config: configWithProviders() });
    const unconfigured = testApp(store, { config: loadConfig({ HANDOFF_LOG_LEVEL: 'silent' }) });
    const none = { okepay: false, '2checkout': null, paybis: null };
    for (const [app, token] of [
      [configured, bare.token],
      [unconfigured, full.token],
    ] as const) {
      const res = await app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
      expect(((await res.json()) as MeResponse).providers).toEqual(none);
    }
  });

  it('needs a customer token', async () => {
    const store = await open();
    const app = testApp(store);
    const res = await app.request('/v1/me');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });
});
