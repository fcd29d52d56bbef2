import { describe, expect, it } from 'vitest';
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
        '2checkout': {
          subscriptionReferences: ['S1'],
          subscriptions: [{ reference: 'S1', status: 'unknown' }],
        },
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

  describe('a customer bound by verified email', () => {
    async function seeded() {
      const store = await open();
      await store.customerDirectory.ingest({
        accountId: 'default',
        provider: 'test',
        eventKey: 'e1',
        changes: [
          {
            kind: 'okepay_contact',
            contactId: 7,
            email: 'ada@example.com',
            subscriptionId: 3,
            subscriptionStatus: 'active',
            eventAt: '2026-12-01T00:00:00.000Z',
          },
          {
            kind: 'twocheckout_subscription',
            reference: 'SUB-1',
            email: 'ada@example.com',
            status: 'active',
            expiresAt: '2027-01-01T00:00:00.000Z',
            disabled: false,
            eventAt: '2026-12-01T00:00:00.000Z',
          },
        ],
      });
      return { store, app: testApp(store, { config: configWithProviders() }) };
    }
    const me = async (app: ReturnType<typeof testApp>, token: string) =>
      (await (
        await app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } })
      ).json()) as MeResponse;

    it('resolves provider ids from the directory at each use', async () => {
      const { store, app } = await seeded();
      const { token } = await store.customerSessions.create({
        accountId: 'default',
        customer: { id: 'c1', email: 'Ada@Example.com', emailVerified: true },
        expiresAt: later(),
      });
      expect((await me(app, token)).providers).toMatchObject({
        okepay: true,
        '2checkout': {
          subscriptionReferences: ['SUB-1'],
          subscriptions: [{ reference: 'SUB-1', status: 'active', expiresAt: '2027-01-01T00:00:00.000Z' }],
        },
      });
      // A subscription bought after the session was made shows up in the same session.
      await store.customerDirectory.ingest({
        accountId: 'default',
        provider: 'test',
        eventKey: 'e2',
        changes: [
          {
            kind: 'twocheckout_subscription',
            reference: 'SUB-2',
            email: 'ada@example.com',
            status: 'active',
            expiresAt: null,
            disabled: false,
            eventAt: '2026-12-02T00:00:00.000Z',
          },
        ],
      });
      expect((await me(app, token)).providers['2checkout']?.subscriptionReferences).toEqual([
        'SUB-1',
        'SUB-2',
      ]);
    });

    it('resolves nothing without emailVerified: true, or in another account', async () => {
      const { store, app } = await seeded();
      await store.accounts.create({ id: 'acme', name: 'Acme' });
      const none = { okepay: false, '2checkout': null, paybis: null };
      for (const [accountId, emailVerified] of [
        ['default', undefined],
        ['default', false],
        ['acme', true],
      ] as const) {
        const { token } = await store.customerSessions.create({
          accountId,
          customer: {
            id: 'c1',
            email: 'ada@example.com',
            ...(emailVerified !== undefined ? { emailVerified } : {}),
          },
          expiresAt: later(),
        });
        expect((await me(app, token)).providers).toEqual(none);
      }
    });

    it('keeps explicit ids next to the resolved ones', async () => {
      const { store, app } = await seeded();
      const { token } = await store.customerSessions.create({
        accountId: 'default',
        customer: {
          id: 'c1',
          email: 'ada@example.com',
          emailVerified: true,
          okepayContactId: 99,
          twocheckoutSubscriptions: ['OWN-1'],
        },
        expiresAt: later(),
      });
      expect((await me(app, token)).providers['2checkout']?.subscriptions).toEqual([
        { reference: 'OWN-1', status: 'unknown' },
        { reference: 'SUB-1', status: 'active', expiresAt: '2027-01-01T00:00:00.000Z' },
      ]);
    });
  });

  it('needs a customer token', async () => {
    const store = await open();
    const app = testApp(store);
    const res = await app.request('/v1/me');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });
});
