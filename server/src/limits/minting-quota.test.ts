import { expect, it } from 'vitest';
import { login, postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { forEachStore } from '../store/test-stores.ts';

const config = loadConfig({
  HANDOFF_QUOTA_CUSTOMER_PER_MINUTE: '3',
  HANDOFF_QUOTA_ACCOUNT_PER_MINUTE: '5',
  HANDOFF_LOG_LEVEL: 'silent',
});

forEachStore('minting quotas', ({ open, openPair }) => {
  it('limit each customer token, then the account, per minute, across instances; audited', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const [first, second] = await openPair({ now: () => clock });
    const apps = [first, second].map((store) => testApp(store, { config, now: () => clock }));
    const token = async (id: string) =>
      (
        await first.customerSessions.create({
          accountId: 'default',
          customer: { id, okepayContactId: 1 },
          expiresAt: new Date('2030-01-02T00:00:00.000Z'),
        })
      ).token;
    const click = (customerToken: string, i: number) =>
      apps[i % 2]!.request('/v1/okepay/login-link', {
        method: 'POST',
        headers: { authorization: `Bearer ${customerToken}` },
      });

    const stolen = await token('a');
    // No provider is configured: each allowed click answers 503, and still counts.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await click(stolen, i)).status);
    expect(statuses).toEqual([503, 503, 503, 429, 429]);
    const refused = await click(stolen, 0);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

    // Another customer of the account is not held back by that token…
    const other = await token('b');
    expect((await click(other, 1)).status).toBe(503);
    expect((await click(other, 0)).status).toBe(503);
    // …until the account's quota (5) is used up for everyone.
    expect((await click(await token('c'), 1)).status).toBe(429);

    const [entry] = await first.audit.list({ accountIds: ['default'], limit: 1 });
    expect(entry).toMatchObject({
      action: 'okepay.login_link',
      outcome: 'failure',
      detail: 'rate_limited account',
    });

    clock = new Date('2030-01-01T00:01:00.000Z');
    expect((await click(stolen, 1)).status).toBe(503);
  });

  it('limit customer sessions minted per account', async () => {
    const store = await open();
    const app = testApp(store, { config });
    const session = await login(
      app,
      await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] }),
    );
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await postJson(app, '/v1/customer-sessions', { customer: { id: `c${i}` } }, session)).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });
});
