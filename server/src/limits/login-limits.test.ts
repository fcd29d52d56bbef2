import { expect, it } from 'vitest';
import { postJson, seedApiUser, testApp } from '../auth/test-identity.ts';
import { loadConfig } from '../config.ts';
import { LOGIN_FAILURE_LIMITS } from '../routes/auth.ts';
import { forEachStore } from '../store/test-stores.ts';
import type { Store } from '../store/types.ts';

const behindProxy = loadConfig({ HANDOFF_TRUST_PROXY: 'true', HANDOFF_LOG_LEVEL: 'silent' });

function loginFrom(app: ReturnType<typeof testApp>, ip: string, apiKey: string, apiSecret: string) {
  return postJson(app, '/auth/login', { apiKey, apiSecret }, undefined, { 'x-forwarded-for': ip });
}

forEachStore('login limits', ({ open, openPair }) => {
  it("never lock a key's owner out because of a stranger's failures from elsewhere", async () => {
    const store = await open();
    const app = testApp(store, { config: behindProxy });
    const owner = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    // Strangers at many sources each use up their own budget for the owner's key.
    for (let source = 1; source <= 6; source++) {
      for (let i = 0; i <= LOGIN_FAILURE_LIMITS.perKey; i++) {
        await loginFrom(app, `198.51.100.${source}`, owner.keyId, 'wrong');
      }
      expect((await loginFrom(app, `198.51.100.${source}`, owner.keyId, owner.secret)).status).toBe(429);
    }
    expect((await loginFrom(app, '203.0.113.7', owner.keyId, owner.secret)).status).toBe(200);
  });

  it('groups IPv6 sources by /64 and treats IPv4-mapped addresses as IPv4', async () => {
    const store = await open();
    const app = testApp(store, { config: behindProxy });
    const user = await seedApiUser(store, { email: 'svc@example.com', roles: ['integration'] });
    // Every failure from another address of the same /64.
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      expect((await loginFrom(app, `2001:db8:7:7::${i + 1}`, user.keyId, 'wrong')).status).toBe(401);
    }
    const sameNetwork = await loginFrom(app, '2001:db8:7:7:ffff::1', user.keyId, user.secret);
    expect(sameNetwork.status).toBe(429);
    expect(Number(sameNetwork.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await loginFrom(app, '2001:db8:7:8::1', user.keyId, user.secret)).status).toBe(200);

    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      await loginFrom(app, '::ffff:192.0.2.44', user.keyId, 'wrong');
    }
    expect((await loginFrom(app, '192.0.2.44', user.keyId, user.secret)).status).toBe(429);
  });

  it('are shared by two instances over one database, and survive a restart', async () => {
    const [first, second] = await openPair();
    const user = await seedApiUser(first, { email: 'svc@example.com', roles: ['integration'] });
    const appA = testApp(first, { config: behindProxy });
    const appB = testApp(second, { config: behindProxy });
    // Failures alternate between the instances; together they reach the limit.
    for (let i = 0; i < LOGIN_FAILURE_LIMITS.perKey; i++) {
      const app = i % 2 === 0 ? appA : appB;
      expect((await loginFrom(app, '203.0.113.50', user.keyId, 'wrong')).status).toBe(401);
    }
    expect((await loginFrom(appA, '203.0.113.50', user.keyId, user.secret)).status).toBe(429);
    expect((await loginFrom(appB, '203.0.113.50', user.keyId, user.secret)).status).toBe(429);
    // A new app over the same database (a restarted instance) still refuses.
    const restarted = testApp(second as Store, { config: behindProxy });
    expect((await loginFrom(restarted, '203.0.113.50', user.keyId, user.secret)).status).toBe(429);
  });

  it('count parallel guesses across two instances exactly', async () => {
    const [first, second] = await openPair();
    const user = await seedApiUser(first, { email: 'svc@example.com', roles: ['integration'] });
    const apps = [testApp(first, { config: behindProxy }), testApp(second, { config: behindProxy })];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => loginFrom(apps[i % 2]!, '203.0.113.60', user.keyId, 'wrong')),
    );
    const unauthorized = results.filter((r) => r.status === 401).length;
    expect(unauthorized).toBe(LOGIN_FAILURE_LIMITS.perKey);
    expect(results.filter((r) => r.status === 429).length).toBe(24 - LOGIN_FAILURE_LIMITS.perKey);
  });
});
